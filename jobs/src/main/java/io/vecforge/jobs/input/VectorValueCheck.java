package io.vecforge.jobs.input;

import io.vecforge.faiss.FaissIndex;
import org.apache.spark.sql.api.java.UDF1;

/**
 * The value checks of one vector (RowCheck's value reasons) in a single loop over its components,
 * as Faiss will see them: after the cast to float. Spark's higher-order functions (exists, forall,
 * aggregate) run interpreted, five loops a row; this one loop took the check stage from 15.0 s to 6.6 s
 * at 1M x 128 and from 44.9 s to 12.2 s at 4M (scripts/bench-compare.sh, with the one-pass scan).
 * Returns the reason, or null for values Faiss can take.
 */
public final class VectorValueCheck implements UDF1<scala.collection.Seq<Object>, String> {
    private static final long serialVersionUID = 1L;

    private final boolean normalizes;

    VectorValueCheck(boolean normalizes) {
        this.normalizes = normalizes;
    }

    @Override
    public String call(scala.collection.Seq<Object> values) {
        if (values == null) {
            return null;
        }
        boolean floatOverflow = false;
        boolean floatUnderflow = false;
        boolean allZero = true;
        double squaredNorm = 0;
        int n = values.length();
        for (int i = 0; i < n; i++) {
            Object value = values.apply(i);
            if (value == null) {
                return "non-finite";
            }
            double x = ((Number) value).doubleValue();
            if (Double.isNaN(x) || Double.isInfinite(x)) {
                return "non-finite";
            }
            float asFloat = (float) x;
            floatOverflow |= Float.isInfinite(asFloat);
            floatUnderflow |= x != 0 && asFloat == 0;
            allZero &= x == 0;
            squaredNorm += (double) asFloat * (double) asFloat;
        }
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
}
