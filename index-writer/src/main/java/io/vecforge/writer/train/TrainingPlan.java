package io.vecforge.writer.train;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How many training points a factory string needs. Faiss warns below 39 points per centroid, for
 * the coarse quantizer (nlist centroids) and for PQ codebooks (2^nbits centroids each); we aim for
 * {@value #TARGET_POINTS_PER_CENTROID} per centroid and never sample more than the configured cap.
 */
public record TrainingPlan(long centroids, long minimumRows, long sampleRows) {
    public static final int MIN_POINTS_PER_CENTROID = 39;
    public static final int TARGET_POINTS_PER_CENTROID = 64;

    private static final Pattern IVF = Pattern.compile("IVF(\\d+)");
    private static final Pattern PQ = Pattern.compile("PQ(\\d+)(?:x(\\d+))?");

    /**
     * @param inputRows accepted rows available for sampling
     * @param maxSampleBytes bound on the sample's size in memory (rows × dimension × 4)
     * @param requestedRows explicit sample size, or 0 for the default
     */
    public static TrainingPlan forFactory(String factory, int dimension, long inputRows, long maxSampleBytes,
            long requestedRows) {
        long centroids = largestCodebook(factory);
        long minimum = centroids * MIN_POINTS_PER_CENTROID;
        long capRows = maxSampleBytes / (4L * dimension);
        if (capRows < minimum) {
            throw new IllegalArgumentException(String.format(
                    "train.max-sample-bytes=%d allows %d training points of dimension %d, but '%s' needs at least"
                            + " %d (%d centroids x %d points)",
                    maxSampleBytes, capRows, dimension, factory, minimum, centroids, MIN_POINTS_PER_CENTROID));
        }
        if (inputRows < minimum) {
            throw new IllegalArgumentException(String.format(
                    "input has %d rows but '%s' needs at least %d training points (%d centroids x %d);"
                            + " use a smaller nlist or more data",
                    inputRows, factory, minimum, centroids, MIN_POINTS_PER_CENTROID));
        }
        long wanted = requestedRows > 0 ? requestedRows : centroids * TARGET_POINTS_PER_CENTROID;
        if (wanted < minimum) {
            throw new IllegalArgumentException("train.sample-rows=" + requestedRows + " is below the " + minimum
                    + " points '" + factory + "' needs");
        }
        return new TrainingPlan(centroids, minimum, Math.min(Math.min(wanted, capRows), inputRows));
    }

    /** The largest number of centroids any k-means of this factory string trains. */
    static long largestCodebook(String factory) {
        long largest = 1;
        Matcher ivf = IVF.matcher(factory);
        while (ivf.find()) {
            largest = Math.max(largest, Long.parseLong(ivf.group(1)));
        }
        Matcher pq = PQ.matcher(factory);
        while (pq.find()) {
            int bits = pq.group(2) == null ? 8 : Integer.parseInt(pq.group(2));
            largest = Math.max(largest, 1L << bits);
        }
        return largest;
    }
}
