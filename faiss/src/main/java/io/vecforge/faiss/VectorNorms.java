package io.vecforge.faiss;

/**
 * Squared norms and finiteness of float vectors in one branch-free pass. A vector's squared norm, summed in
 * double, is finite exactly when every component is (a float's square cannot overflow a double), so checking
 * each component is only needed to name the one at fault.
 */
public final class VectorNorms {
    private VectorNorms() {}

    /** The squared L2 norm of {@code v[offset, offset + d)}, in double; NaN or infinite when a component is. */
    public static double squaredNorm(float[] v, int offset, int d) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int j = offset;
        int end = offset + d;
        for (; j + 3 < end; j += 4) {
            double a = v[j];
            double b = v[j + 1];
            double c = v[j + 2];
            double e = v[j + 3];
            s0 += a * a;
            s1 += b * b;
            s2 += c * c;
            s3 += e * e;
        }
        for (; j < end; j++) {
            double a = v[j];
            s0 += a * a;
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** The first component of {@code v[offset, offset + d)} that is NaN or infinite, or -1 when all are finite. */
    public static int firstNonFinite(float[] v, int offset, int d) {
        if (Double.isFinite(squaredNorm(v, offset, d))) {
            return -1;
        }
        for (int j = 0; j < d; j++) {
            if (!Float.isFinite(v[offset + j])) {
                return j;
            }
        }
        return -1;
    }
}
