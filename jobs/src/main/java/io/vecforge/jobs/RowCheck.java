package io.vecforge.jobs;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.input_file_name;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.when;

import io.vecforge.faiss.Metric;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Classifies every input row as accepted or rejected (with a reason), in one aggregation pass,
 * and writes the rejected rows to a quarantine dataset. Reasons, in order of precedence:
 * null-id, null-vector, wrong-dimension, non-finite (NaN, ±Inf or a null component), and
 * zero-vector when the metric normalises.
 */
final class RowCheck {
    private static final Logger LOG = LoggerFactory.getLogger(RowCheck.class);
    static final List<String> REASONS =
            List.of("null-id", "null-vector", "wrong-dimension", "non-finite", "zero-vector");
    private static final int SAMPLE_IDS = 5;

    private final InputTable input;
    private final Metric metric;
    private final Column idNull;
    private final Column vector;
    private final Column nonFinite;
    private final Column allZero;

    RowCheck(InputTable input, Metric metric) {
        this.input = input;
        this.metric = metric;
        this.idNull = input.idColumns().stream().map(c -> col(c).isNull()).reduce(Column::or).orElseThrow();
        this.vector = col(input.vectorColumn());
        String v = "`" + input.vectorColumn() + "`";
        this.nonFinite = expr("exists(" + v
                + ", x -> x IS NULL OR isnan(x) OR x = double('Infinity') OR x = double('-Infinity'))");
        this.allZero = expr("forall(" + v + ", x -> x = 0)");
    }

    /** Row counts by (null id, null vector, size, non-finite, all zero): one pass over the input. */
    RowAccounting count(int configuredDimension) {
        List<Row> groups = input.raw().groupBy(
                        idNull.as("id_null"),
                        vector.isNull().as("vector_null"),
                        when(vector.isNull(), lit(-1)).otherwise(size(vector)).as("size"),
                        nonFinite.as("non_finite"),
                        allZero.as("all_zero"))
                .count()
                .collectAsList();
        long total = 0;
        Map<Integer, Long> bySize = new LinkedHashMap<>();
        for (Row g : groups) {
            total += g.getLong(5);
            if (!g.getBoolean(1)) {
                bySize.merge(g.getInt(2), g.getLong(5), Long::sum);
            }
        }
        int dimension = configuredDimension > 0 ? configuredDimension : mostCommon(bySize);
        Map<String, Long> rejected = new LinkedHashMap<>();
        for (Row g : groups) {
            String reason = reason(g.getBoolean(0), g.getBoolean(1), g.getInt(2), g.isNullAt(3) || g.getBoolean(3),
                    !g.isNullAt(4) && g.getBoolean(4), dimension);
            if (reason != null) {
                rejected.merge(reason, g.getLong(5), Long::sum);
            }
        }
        Map<String, Long> ordered = new LinkedHashMap<>();
        for (String reason : REASONS) {
            if (rejected.containsKey(reason)) {
                ordered.put(reason, rejected.get(reason));
            }
        }
        LOG.info("input: {} rows, dimension {}, rejected {}", total, dimension, ordered);
        return new RowAccounting(total, dimension, ordered);
    }

    private String reason(boolean idIsNull, boolean vectorIsNull, int size, boolean nonFiniteValue, boolean zero,
            int dimension) {
        if (idIsNull) {
            return "null-id";
        }
        if (vectorIsNull) {
            return "null-vector";
        }
        if (size != dimension) {
            return "wrong-dimension";
        }
        if (nonFiniteValue) {
            return "non-finite";
        }
        if (zero && metric.normalizes()) {
            return "zero-vector";
        }
        return null;
    }

    private static int mostCommon(Map<Integer, Long> bySize) {
        return bySize.entrySet().stream()
                .max((a, b) -> a.getValue().equals(b.getValue()) ? Integer.compare(b.getKey(), a.getKey())
                        : Long.compare(a.getValue(), b.getValue()))
                .map(Map.Entry::getKey)
                .orElse(0);
    }

    /** The same classification as a column: the reason, or null for an accepted row. */
    Column reasonColumn(int dimension) {
        Column zero = metric.normalizes() ? allZero : lit(false);
        return when(idNull, lit("null-id"))
                .when(vector.isNull(), lit("null-vector"))
                .when(size(vector).notEqual(dimension), lit("wrong-dimension"))
                .when(nonFinite, lit("non-finite"))
                .when(zero, lit("zero-vector"))
                .otherwise(lit(null).cast("string"));
    }

    Dataset<Row> accepted(int dimension) {
        return input.raw().where(reasonColumn(dimension).isNull());
    }

    /** A few ids of rejected rows per reason; rows without an id are named by their file. */
    Map<String, List<String>> samples(RowAccounting accounting) {
        Map<String, List<String>> samples = new LinkedHashMap<>();
        Column reason = reasonColumn(accounting.dimension());
        for (String r : accounting.rejected().keySet()) {
            List<String> ids = new ArrayList<>();
            for (Row row : input.raw().where(reason.equalTo(r)).select(displayId()).limit(SAMPLE_IDS).collectAsList()) {
                ids.add(row.getString(0));
            }
            samples.put(r, ids);
        }
        return samples;
    }

    /** Writes (id, reason, row) of every rejected row as Parquet. */
    void writeQuarantine(RowAccounting accounting, String path) {
        Column[] original = Arrays.stream(input.raw().columns()).map(c -> col("`" + c + "`")).toArray(Column[]::new);
        input.raw()
                .withColumn("_reason", reasonColumn(accounting.dimension()))
                .where(col("_reason").isNotNull())
                .select(displayId().as("id"), col("_reason").as("reason"), struct(original).as("row"))
                .write()
                .parquet(path);
    }

    private Column displayId() {
        Column id = concat_ws(",", input.idColumns().stream().map(c -> col(c).cast("string")).toArray(Column[]::new));
        return when(idNull, concat_ws("", lit("null id in "), input_file_name())).otherwise(id);
    }
}
