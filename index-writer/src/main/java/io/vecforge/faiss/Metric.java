package io.vecforge.faiss;

import java.util.Locale;

/** Distance of an index, as recorded in the manifest. */
public enum Metric {
    L2(1),
    INNER_PRODUCT(0);

    private final int faissCode;

    Metric(int faissCode) {
        this.faissCode = faissCode;
    }

    /** Faiss's {@code MetricType} value. */
    public int faissCode() {
        return faissCode;
    }

    public String configName() {
        return this == L2 ? "l2" : "ip";
    }

    /** Whether a smaller distance is a better match. */
    public boolean smallerIsCloser() {
        return this == L2;
    }

    public static Metric fromFaissCode(int code) {
        for (Metric metric : values()) {
            if (metric.faissCode == code) {
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
            default:
                throw new IllegalArgumentException("unknown metric '" + name + "': expected l2 or ip");
        }
    }
}
