package io.vecforge.jobs.input;

import org.apache.spark.sql.api.java.UDF1;

/**
 * {@link VectorValues}' checks as a SQL function over the vector column, for the passes that select rows by
 * reason (quarantine, samples of rejected ids, the accepted rows when some were rejected). Spark's higher-order
 * functions (exists, forall, aggregate) run interpreted, five loops a row; this is one. The input scan checks
 * Spark's arrays directly instead: a function of a Scala sequence boxes every component.
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
        VectorValues check = new VectorValues(normalizes);
        int n = values.length();
        for (int i = 0; i < n; i++) {
            Object value = values.apply(i);
            if (value == null || !check.add(((Number) value).doubleValue())) {
                return "non-finite";
            }
        }
        return check.verdict();
    }
}
