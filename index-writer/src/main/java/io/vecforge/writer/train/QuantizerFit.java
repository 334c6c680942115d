package io.vecforge.writer.train;

import io.vecforge.faiss.FaissIndex;
import io.vecforge.faiss.Metric;
import io.vecforge.writer.shard.EmbeddingCursor;
import java.io.IOException;

/**
 * How well a trained IVF quantizer fits a sample: the mean distance of the sample's vectors to
 * their nearest coarse centroid (squared L2; for ip and cosine the inner product, where larger is
 * better). Streams the sample in batches; never holds it whole.
 */
public final class QuantizerFit {
    static final int BATCH = 8192;

    private QuantizerFit() {}

    public static double meanDistance(FaissIndex trained, EmbeddingCursor sample, Metric metric) throws IOException {
        int d = trained.dimension();
        float[] batch = new float[BATCH * d];
        double sum = 0;
        long rows = 0;
        int filled = 0;
        while (sample.next()) {
            System.arraycopy(sample.vector(), 0, batch, filled * d, d);
            if (metric.normalizes()) {
                Metric.normalize(batch, filled * d, d);
            }
            if (++filled == BATCH) {
                sum += sum(trained.nearestCentroidDistances(batch, filled));
                rows += filled;
                filled = 0;
            }
        }
        if (filled > 0) {
            sum += sum(trained.nearestCentroidDistances(java.util.Arrays.copyOf(batch, filled * d), filled));
            rows += filled;
        }
        return rows == 0 ? 0 : sum / rows;
    }

    /** As {@link #meanDistance(FaissIndex, EmbeddingCursor, Metric)}, over vectors already in memory (left unchanged). */
    public static double meanDistance(FaissIndex trained, float[] vectors, Metric metric) {
        int d = trained.dimension();
        int n = vectors.length / d;
        if (n == 0) {
            return 0;
        }
        float[] copy = java.util.Arrays.copyOf(vectors, n * d);
        if (metric.normalizes()) {
            for (int i = 0; i < n; i++) {
                Metric.normalize(copy, i * d, d);
            }
        }
        return sum(trained.nearestCentroidDistances(copy, n)) / n;
    }

    /**
     * How much worse a fresh sample fits an old quantizer than the old sample did: a relative
     * increase of the distance (l2), or decrease of the similarity (ip, cosine). 0 or below: no worse.
     */
    public static double degradation(double previous, double fresh, Metric metric) {
        double scale = Math.max(Math.abs(previous), 1e-30);
        return metric.smallerIsCloser() ? (fresh - previous) / scale : (previous - fresh) / scale;
    }

    private static double sum(float[] values) {
        double total = 0;
        for (float v : values) {
            total += v;
        }
        return total;
    }
}
