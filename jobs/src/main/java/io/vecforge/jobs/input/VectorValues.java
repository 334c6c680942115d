package io.vecforge.jobs.input;

import io.vecforge.faiss.FaissIndex;
import io.vecforge.faiss.VectorNorms;
import java.util.Arrays;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.unsafe.Platform;

/**
 * RowCheck's value reasons for one vector as Faiss will see it: after the cast to float, its squared norm summed
 * as {@link VectorNorms} sums it (the norm that Faiss's guard checks again, so the two never disagree on a
 * vector at the bound). Used by the scan on Spark's own array (no boxing) and by {@link VectorValueCheck}, the
 * same checks as a SQL function.
 */
final class VectorValues {
    private final boolean normalizes;
    private boolean floatOverflow;
    private boolean floatUnderflow;
    private float[] added = new float[16];
    private int size;
    private float[] floats;

    VectorValues(boolean normalizes) {
        this.normalizes = normalizes;
    }

    void reset() {
        floatOverflow = false;
        floatUnderflow = false;
        size = 0;
    }

    /** Takes one component; false when it is NaN or infinite (the vector is "non-finite"). */
    boolean add(double x) {
        if (Double.isNaN(x) || Double.isInfinite(x)) {
            return false;
        }
        float asFloat = (float) x;
        floatOverflow |= Float.isInfinite(asFloat);
        floatUnderflow |= x != 0 && asFloat == 0;
        if (size == added.length) {
            added = Arrays.copyOf(added, 2 * size);
        }
        added[size++] = asFloat;
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
        return verdict(VectorNorms.squaredNorm(added, 0, size));
    }

    /** The reason for finite float components of this squared norm (which is zero exactly when all are). */
    private String verdict(double squaredNorm) {
        if (squaredNorm >= FaissIndex.MAX_SQUARED_NORM) {
            return "norm-overflow";
        }
        if (normalizes && squaredNorm == 0) {
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
        return check(values, doubles, dimension, true);
    }

    /** {@link #check}, told whether any component may be null (false: the caller knows none is). */
    String check(ArrayData values, boolean doubles, int dimension, boolean mayHoldNulls) {
        reset();
        floats = null;
        if (mayHoldNulls && anyNull(values, dimension)) {
            return "non-finite";
        }
        float[] vector;
        String reason;
        if (doubles) {
            double[] components = values.toDoubleArray();
            for (int i = 0; i < dimension; i++) {
                if (!add(components[i])) {
                    return "non-finite";
                }
            }
            vector = Arrays.copyOf(added, dimension);
            reason = verdict();
        } else {
            vector = values.toFloatArray();
            double squaredNorm = VectorNorms.squaredNorm(vector, 0, dimension);
            // a float's square cannot overflow a double: a norm that is not finite means a component is not
            reason = Double.isFinite(squaredNorm) ? verdict(squaredNorm) : "non-finite";
        }
        if (reason == null) {
            floats = vector;
        }
        return reason;
    }

    /**
     * Whether any of the first {@code dimension} components is null. Spark's own arrays keep a null bit per
     * component after their 8-byte length: those words are tested 64 components at a time (a call per
     * component was an eighth of the scan's time).
     */
    static boolean anyNull(ArrayData values, int dimension) {
        if (values instanceof UnsafeArrayData unsafe && unsafe.numElements() == dimension) {
            Object base = unsafe.getBaseObject();
            long bitsAt = unsafe.getBaseOffset() + Long.BYTES;
            long bits = 0;
            for (int word = 0; word < (dimension + 63) / 64; word++) {
                bits |= Platform.getLong(base, bitsAt + (long) word * Long.BYTES);
            }
            return bits != 0;
        }
        for (int i = 0; i < dimension; i++) {
            if (values.isNullAt(i)) {
                return true;
            }
        }
        return false;
    }

    /** The vector the last {@link #check} accepted. */
    float[] floats() {
        return floats;
    }
}
