package io.vecforge.faiss;

/** k nearest neighbours of n queries, row-major: query q's i-th hit is at q * k + i. Label -1 = no hit. */
public record SearchResult(int queries, int k, float[] distances, long[] labels) {
    public long label(int query, int rank) {
        return labels[query * k + rank];
    }

    public float distance(int query, int rank) {
        return distances[query * k + rank];
    }
}
