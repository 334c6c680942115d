package io.vecforge.faiss;

import java.util.Locale;

/**
 * Distance of an index, as recorded in the manifest. {@link #COSINE} is inner product over
 * L2-normalised vectors: everything that feeds the index (training, adding, queries) normalises.
 */
public enum Metric {
    L2(1, false),
    INNER_PRODUCT(0, false),
    COSINE(0, true);

    private final int faissCode;
    private final boolean normalizes;

    Metric(int faissCode, boolean normalizes) {
        this.faissCode = faissCode;
        this.normalizes = normalizes;
    }

    /** Faiss's {@code MetricType} value. */
    public int faissCode() {
        return faissCode;
    }

    /** Whether vectors are L2-normalised before they reach Faiss. */
    public boolean normalizes() {
        return normalizes;
    }

    public String configName() {
        return switch (this) {
            case L2 -> "l2";
            case INNER_PRODUCT -> "ip";
            case COSINE -> "cosine";
        };
    }

    /** The config and manifest name, so that messages read as the config does. */
    @Override
    public String toString() {
        return configName();
    }

    /** Whether a smaller distance is a better match. */
    public boolean smallerIsCloser() {
        return this == L2;
    }

    /** The metric Faiss itself reports: L2 or inner product. */
    public static Metric fromFaissCode(int code) {
        for (Metric metric : values()) {
            if (metric.faissCode == code && !metric.normalizes) {
                return metric;
            }
        }
        throw new IllegalArgumentException("unsupported Faiss metric type " + code);
    }

    public static Metric fromConfig(String name) {
        switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "l2":
                return L2;
            case "ip":
            case "inner_product":
                return INNER_PRODUCT;
            case "cosine":
                return COSINE;
            default:
                throw new IllegalArgumentException("unknown metric '" + name + "': expected l2, ip or cosine");
        }
    }

    /**
     * Scales {@code d} floats starting at {@code offset} to unit L2 norm, in place.
     *
     * @return false, leaving the vector unchanged, if it is all zeros
     */
    public static boolean normalize(float[] vectors, int offset, int d) {
        double sum = 0;
        for (int j = offset; j < offset + d; j++) {
            sum += (double) vectors[j] * vectors[j];
        }
        if (sum == 0) {
            return false;
        }
        float scale = (float) (1.0 / Math.sqrt(sum));
        for (int j = offset; j < offset + d; j++) {
            vectors[j] *= scale;
        }
        return true;
    }

    /** Normalises every d-dimensional vector of the array when this metric asks for it. */
    public void prepare(float[] vectors, int d) {
        if (!normalizes) {
            return;
        }
        for (int offset = 0; offset + d <= vectors.length; offset += d) {
            normalize(vectors, offset, d);
        }
    }
}
