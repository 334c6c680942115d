package io.vecforge.writer.shard;

import io.vecforge.faiss.FaissIndex;
import io.vecforge.faiss.Metric;
import io.vecforge.faiss.Neighbours;
import io.vecforge.faiss.SearchResult;

/**
 * Exact k-NN of a fixed query set over vectors streamed batch by batch: the ground truth that
 * recall is measured against. Each batch goes through a Faiss flat index and is then dropped.
 */
public final class ExactNeighbourSearch {
    private final float[] queries;
    private final int queryCount;
    private final int dimension;
    private final Metric metric;
    private final Neighbours best;

    public ExactNeighbourSearch(float[] queries, int dimension, Metric metric, int k) {
        this.queries = queries;
        this.queryCount = queries.length / dimension;
        this.dimension = dimension;
        this.metric = metric;
        this.best = new Neighbours(queryCount, k, metric.smallerIsCloser());
    }

    public void addBatch(float[] vectors, long[] ids, int rows) {
        if (rows == 0 || queryCount == 0) {
            return;
        }
        int k = Math.min(best.k(), rows);
        try (FaissIndex flat = FaissIndex.create(dimension, "Flat", metric)) {
            flat.add(vectors, rows);
            SearchResult hits = flat.search(queries, queryCount, k);
            for (int q = 0; q < queryCount; q++) {
                for (int r = 0; r < k; r++) {
                    long position = hits.label(q, r);
                    if (position >= 0) {
                        best.offer(q, ids[(int) position], hits.distance(q, r));
                    }
                }
            }
        }
    }

    public Neighbours result() {
        return best;
    }
}
