package io.vecforge.jobs.input;

import io.vecforge.faiss.FaissIndex;
import org.apache.spark.sql.catalyst.util.ArrayData;

/**
 * RowCheck's value reasons for one vector, component by component, as Faiss will see it: after the cast to
 * float. Used by the scan on Spark's own array (no boxing) and by {@link VectorValueCheck}, the same checks as
 * a SQL function.
 */
final class VectorValues {
    private final boolean normalizes;
    private boolean floatOverflow;
    private boolean floatUnderflow;
    private boolean allZero;
    private double squaredNorm;
    private float[] floats;

    VectorValues(boolean normalizes) {
        this.normalizes = normalizes;
        reset();
    }

    void reset() {
        floatOverflow = false;
        floatUnderflow = false;
        allZero = true;
        squaredNorm = 0;
    }

    /** Takes one component; false when it is NaN or infinite (the vector is "non-finite"). */
    boolean add(double x) {
        if (Double.isNaN(x) || Double.isInfinite(x)) {
            return false;
        }
        float asFloat = (float) x;
        floatOverflow |= Float.isInfinite(asFloat);
        floatUnderflow |= x != 0 && asFloat == 0;
        allZero &= x == 0;
        squaredNorm += (double) asFloat * (double) asFloat;
        return true;
    }

    /** After every component was added: the reason, or null for values Faiss can take. */
    String verdict() {
        if (floatOverflow) {
            return "float-overflow";
        }
        if (floatUnderflow) {
            return "float-underflow";
        }
        if (squaredNorm >= FaissIndex.MAX_SQUARED_NORM) {
            return "norm-overflow";
        }
        if (normalizes && allZero) {
            return "zero-vector";
        }
        if (normalizes && squaredNorm < Float.MIN_NORMAL) {
            return "norm-underflow";
        }
        return null;
    }

    /**
     * Checks an array of {@code dimension} floats ({@code doubles} false) or doubles; returns the reason, or null
     * when {@link #floats()} holds the vector as Faiss takes it.
     */
    String check(ArrayData values, boolean doubles, int dimension) {
        reset();
        floats = null;
        for (int i = 0; i < dimension; i++) {
            if (values.isNullAt(i)) {
                return "non-finite";
            }
        }
        float[] vector;
        if (doubles) {
            double[] components = values.toDoubleArray();
            vector = new float[dimension];
            for (int i = 0; i < dimension; i++) {
                if (!add(components[i])) {
                    return "non-finite";
                }
                vector[i] = (float) components[i];
            }
        } else {
            vector = values.toFloatArray();
            for (int i = 0; i < dimension; i++) {
                if (!add(vector[i])) {
                    return "non-finite";
                }
            }
        }
        String reason = verdict();
        if (reason == null) {
            floats = vector;
        }
        return reason;
    }

    /** The vector the last {@link #check} accepted. */
    float[] floats() {
        return floats;
    }
}
