package io.vecforge.writer.shard;

import io.vecforge.faiss.FaissIndex;
import io.vecforge.faiss.Metric;
import io.vecforge.faiss.Neighbours;

/**
 * Exact k-NN of a fixed query set over vectors streamed batch by batch: the ground truth that
 * recall is measured against. The running top-k of every query lives in two arrays (Faiss heaps)
 * that each batch is folded into natively ({@link FaissIndex#exactKnnUpdate}); a batch is dropped
 * once folded. (It was a Faiss flat search per batch, whose fresh heaps cost about three times the
 * distances' own BLAS time at 500 queries.)
 */
public final class ExactNeighbourSearch {
    private final float[] queries;
    private final int queryCount;
    private final int dimension;
    private final Metric metric;
    private final int k;
    private final float[] heapDistances;
    private final long[] heapIds;

    public ExactNeighbourSearch(float[] queries, int dimension, Metric metric, int k) {
        this.queries = queries;
        this.queryCount = queries.length / dimension;
        this.dimension = dimension;
        this.metric = metric;
        this.k = k;
        this.heapDistances = new float[Math.multiplyExact(queryCount, k)];
        this.heapIds = new long[heapDistances.length];
        FaissIndex.emptyHeaps(metric, heapDistances, heapIds);
    }

    public void addBatch(float[] vectors, long[] ids, int rows) {
        if (rows == 0 || queryCount == 0) {
            return;
        }
        FaissIndex.exactKnnUpdate(queries, dimension, vectors, ids, rows, metric, k, heapDistances, heapIds);
    }

    /**
     * Prepares {@link #addThrough} for rows added to this index: true where it serves (a bare IVF-Flat, -PQ or
     * -SQ index of this search's metric, FaissIndex#prepareExactBounds); then every row must come through it.
     */
    public boolean rideAlong(FaissIndex index) {
        return queryCount > 0 && index.prepareExactBounds(queries, metric);
    }

    /**
     * Adds the rows to the index {@link #rideAlong} prepared and folds them in, computing only the distances
     * the coarse quantizer's bounds cannot rule out. {@code nanos} gets the add's time, then the search's;
     * returns the query-row distances computed (rows x queries when nothing could be ruled out).
     */
    public long addThrough(FaissIndex index, float[] vectors, long[] ids, int rows, long[] nanos) {
        if (rows == 0) {
            nanos[0] = 0;
            nanos[1] = 0;
            return 0;
        }
        return index.addWithIdsExact(vectors, ids, rows, k, heapDistances, heapIds, nanos);
    }

    /** Queries in this search. */
    public int queryCount() {
        return queryCount;
    }

    /** The k best so far of every query, best first (ties: the smaller id first). */
    public Neighbours result() {
        Neighbours best = new Neighbours(queryCount, k, metric.smallerIsCloser());
        for (int q = 0; q < queryCount; q++) {
            for (int r = 0; r < k; r++) {
                int slot = q * k + r;
                if (heapIds[slot] >= 0) {
                    best.offer(q, heapIds[slot], heapDistances[slot]);
                }
            }
        }
        return best;
    }
}
