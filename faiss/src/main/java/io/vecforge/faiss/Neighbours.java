package io.vecforge.faiss;

import java.io.Serializable;
import java.util.Arrays;

/**
 * The k best (id, distance) pairs per query, kept sorted best first. Ties break on the smaller id,
 * so merging partial results in any order gives the same answer.
 */
public final class Neighbours implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int queries;
    private final int k;
    private final boolean smallerIsCloser;
    private final long[] ids;
    private final float[] distances;

    public Neighbours(int queries, int k, boolean smallerIsCloser) {
        this.queries = queries;
        this.k = k;
        this.smallerIsCloser = smallerIsCloser;
        this.ids = new long[queries * k];
        this.distances = new float[queries * k];
        Arrays.fill(ids, -1L);
        Arrays.fill(distances, smallerIsCloser ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY);
    }

    public int queries() {
        return queries;
    }

    public int k() {
        return k;
    }

    public long id(int query, int rank) {
        return ids[query * k + rank];
    }

    public float distance(int query, int rank) {
        return distances[query * k + rank];
    }

    public long[] ids() {
        return ids.clone();
    }

    /** The distances, k per query; ±infinity where a query has fewer than k neighbours. */
    public float[] distances() {
        return distances.clone();
    }

    public boolean smallerIsCloser() {
        return smallerIsCloser;
    }

    /** Offers one candidate; keeps it if it ranks among the k best of its query. */
    public void offer(int query, long id, float distance) {
        if (id < 0) {
            return;
        }
        int base = query * k;
        int slot = k;
        while (slot > 0 && better(id, distance, ids[base + slot - 1], distances[base + slot - 1])) {
            slot--;
        }
        if (slot == k) {
            return;
        }
        System.arraycopy(ids, base + slot, ids, base + slot + 1, k - slot - 1);
        System.arraycopy(distances, base + slot, distances, base + slot + 1, k - slot - 1);
        ids[base + slot] = id;
        distances[base + slot] = distance;
    }

    /** Offers every hit of a Faiss search whose labels are ids (one shard's answer). */
    public void offerAll(io.vecforge.faiss.SearchResult hits) {
        if (hits.queries() != queries) {
            throw new IllegalArgumentException("hits for " + hits.queries() + " queries, expected " + queries);
        }
        for (int q = 0; q < queries; q++) {
            for (int r = 0; r < hits.k(); r++) {
                offer(q, hits.label(q, r), hits.distance(q, r));
            }
        }
    }

    public void merge(Neighbours other) {
        if (other.queries != queries || other.k != k) {
            throw new IllegalArgumentException("cannot merge neighbours of different shapes");
        }
        for (int q = 0; q < queries; q++) {
            for (int r = 0; r < k; r++) {
                offer(q, other.id(q, r), other.distance(q, r));
            }
        }
    }

    /** Mean fraction of each query's true k neighbours that this result also returns (k-recall@k). */
    public double recallAgainst(Neighbours truth) {
        return recallAgainst(truth.ids, truth.k);
    }

    /**
     * k-recall@k against exact neighbour ids laid out {@code truthK} per query, best first. Only real
     * ids count: a query with fewer than k true neighbours (a tiny index) is measured on those.
     */
    public double recallAgainst(long[] truth, int truthK) {
        int truthQueries = truth.length / truthK;
        if (truthQueries != queries) {
            throw new IllegalArgumentException("different query counts: " + queries + " vs " + truthQueries);
        }
        int depth = Math.min(k, truthK);
        long found = 0;
        long wanted = 0;
        for (int q = 0; q < queries; q++) {
            for (int r = 0; r < depth; r++) {
                long id = truth[q * truthK + r];
                if (id < 0) {
                    continue;
                }
                wanted++;
                for (int s = 0; s < depth; s++) {
                    if (ids[q * k + s] == id) {
                        found++;
                        break;
                    }
                }
            }
        }
        return wanted == 0 ? 1.0 : (double) found / wanted;
    }

    private boolean better(long id, float distance, long otherId, float otherDistance) {
        if (otherId < 0) {
            return true;
        }
        if (distance != otherDistance) {
            return smallerIsCloser ? distance < otherDistance : distance > otherDistance;
        }
        return id < otherId;
    }
}
