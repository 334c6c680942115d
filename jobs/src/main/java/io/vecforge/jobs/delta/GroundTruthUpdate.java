package io.vecforge.jobs.delta;

import io.vecforge.faiss.Neighbours;
import java.util.Arrays;

/**
 * Keeps the hold-out ground truth exact across a delta without rereading the base's rows. Each
 * version keeps every query's exact top-K′ (ids and distances). The base list minus the ids the
 * delta deleted or replaced is still the exact top of what is left of the base, down to its last
 * entry; merged with the exact top-K′ among the upserts, the result is exact down to that entry
 * (beyond it an unlisted base row could rank). So the new list is cut there, and an id of -1 marks
 * where a query's exact list ends; a list that held the whole base (a corpus smaller than K′) stays
 * whole.
 */
final class GroundTruthUpdate {
    /**
     * The new lists, K′ per query, and the shortest exact list of any query (K′ for a list that holds the
     * whole corpus), with that query's number (-1 when every list is whole or K′ deep).
     */
    record Result(Neighbours truth, int minDepth, int shallowestQuery) {}

    private GroundTruthUpdate() {}

    /**
     * @param baseIds the base's ground truth ids, depth per query (-1 past a query's exact list)
     * @param baseDistances their distances
     * @param baseRows rows of the base version
     * @param touched ids the delta deleted or upserted (any order)
     * @param upserts exact neighbours among the upserts, depth per query
     */
    static Result apply(long[] baseIds, float[] baseDistances, int depth, long baseRows, long[] touched,
            Neighbours upserts) {
        int queries = upserts.queries();
        if (upserts.k() != depth || baseIds.length != (long) queries * depth || baseDistances.length != baseIds.length) {
            throw new IllegalArgumentException("ground truth shapes differ: base " + baseIds.length + " entries, "
                    + queries + " queries x depth " + depth + ", upserts k " + upserts.k());
        }
        long[] removed = touched.clone();
        Arrays.sort(removed);
        boolean smallerIsCloser = upserts.smallerIsCloser();
        Neighbours merged = new Neighbours(queries, depth, smallerIsCloser);
        long[] ids = new long[queries * depth];
        float[] distances = new float[queries * depth];
        int minDepth = depth;
        int shallowest = -1;
        for (int q = 0; q < queries; q++) {
            Neighbours one = new Neighbours(1, depth, smallerIsCloser);
            int listed = 0;
            long lastId = -1;
            float lastDistance = 0;
            for (int r = 0; r < depth; r++) {
                long id = baseIds[q * depth + r];
                if (id < 0) {
                    break;
                }
                listed++;
                if (Arrays.binarySearch(removed, id) < 0) {
                    one.offer(0, id, baseDistances[q * depth + r]);
                    lastId = id;
                    lastDistance = baseDistances[q * depth + r];
                }
            }
            boolean wholeBase = listed == baseRows;
            for (int r = 0; r < depth; r++) {
                one.offer(0, upserts.id(q, r), upserts.distance(q, r));
            }
            int exact = wholeBase ? depth : exactPrefix(one, depth, lastId, lastDistance);
            for (int r = 0; r < depth; r++) {
                boolean keep = r < exact && one.id(0, r) >= 0;
                ids[q * depth + r] = keep ? one.id(0, r) : -1;
                distances[q * depth + r] = keep ? one.distance(0, r)
                        : smallerIsCloser ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY;
                if (keep) {
                    merged.offer(q, one.id(0, r), one.distance(0, r));
                }
            }
            if (exact < minDepth) {
                minDepth = exact;
                shallowest = q;
            }
        }
        return new Result(merged, minDepth, shallowest);
    }

    /** Entries up to and including the base's last surviving entry, which ranks where it ranks in {@code one}. */
    private static int exactPrefix(Neighbours one, int depth, long lastId, float lastDistance) {
        if (lastId < 0) {
            return 0; // nothing of the base's list survived: no entry is known to be exact
        }
        for (int r = 0; r < depth; r++) {
            if (one.id(0, r) == lastId && one.distance(0, r) == lastDistance) {
                return r + 1;
            }
        }
        return depth; // pushed past depth by closer upserts: every listed entry ranks before it
    }
}
