package io.vecforge.jobs.input;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.input_file_name;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.when;

import io.vecforge.faiss.FaissIndex;
import io.vecforge.faiss.Metric;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Classifies every input row as accepted or rejected (with a reason), in one aggregation pass,
 * and writes the rejected rows to a quarantine dataset. Values are checked as Faiss will see them:
 * after the cast to float. Reasons, in order of precedence (docs/build.md):
 * <ul>
 * <li>of the row: null-id, negative-id (Faiss reserves -1 for "no result"), null-vector,
 *     null-order (the configured order column is null);
 * <li>wrong-dimension;
 * <li>of the values: non-finite (NaN, ±Inf or a null component), float-overflow (a double beyond
 *     the float range), float-underflow (a non-zero double that becomes 0 as a float),
 *     norm-overflow (squared L2 norm ≥ {@link FaissIndex#MAX_SQUARED_NORM}, so that every distance between
 *     accepted vectors stays finite in float), zero-vector and norm-underflow (squared norm below
 *     the smallest normal float) when the metric normalises.
 * </ul>
 */
public final class RowCheck {
    private static final Logger LOG = LoggerFactory.getLogger(RowCheck.class);
    static final List<String> REASONS = List.of("null-id", "negative-id", "null-vector", "null-order",
            "wrong-dimension", "non-finite", "float-overflow", "float-underflow", "norm-overflow", "zero-vector",
            "norm-underflow");
    private static final int SAMPLE_IDS = 5;
    static final String ROW_PROBLEM = "_row_problem";
    static final String SIZE = "_size";
    static final String VALUE_PROBLEM = "_value_problem";

    private final InputTable input;
    private final Column idNull;
    private final Column vector;
    private final Column rowProblem;
    private final Column valueProblem;
    private final boolean normalizes;

    public RowCheck(InputTable input, Metric metric) {
        this.input = input;
        this.normalizes = metric.normalizes();
        this.idNull = input.idColumns().stream().map(c -> col(c).isNull()).reduce(Column::or).orElseThrow();
        this.vector = col("`" + input.vectorColumn() + "`");
        this.rowProblem = rowProblem(input, idNull, vector);
        this.valueProblem = valueProblem("`" + input.vectorColumn() + "`", metric);
    }

    private static Column rowProblem(InputTable input, Column idNull, Column vector) {
        Column negativeId = input.externalIds() ? lit(false) : col("`" + input.idColumns().get(0) + "`").lt(0);
        Column orderNull = input.orderColumn() == null ? lit(false) : col("`" + input.orderColumn() + "`").isNull();
        return when(idNull, lit("null-id"))
                .when(negativeId, lit("negative-id"))
                .when(vector.isNull(), lit("null-vector"))
                .when(orderNull, lit("null-order"))
                .otherwise(lit(null).cast("string"));
    }

    private static Column valueProblem(String v, Metric metric) {
        return functions.udf(new VectorValueCheck(metric.normalizes()), DataTypes.StringType).apply(col(v));
    }

    /** The input with its row checks' results beside each row: the columns the scan observes. */
    Dataset<Row> checked(Column... carried) {
        List<Column> columns = new ArrayList<>(List.of(rowProblem.as(ROW_PROBLEM),
                when(vector.isNull(), lit(-1)).otherwise(size(vector)).as(SIZE), valueProblem.as(VALUE_PROBLEM)));
        columns.addAll(Arrays.asList(carried));
        return input.raw().select(columns.toArray(Column[]::new));
    }

    /**
     * The input with the checks of the row (not of its values) beside each row: row problem, size, then
     * {@code carried}. The values are checked by {@link VectorValues} on each row's array.
     */
    Dataset<Row> rowChecked(Column... carried) {
        List<Column> columns = new ArrayList<>(List.of(rowProblem.as(ROW_PROBLEM),
                when(vector.isNull(), lit(-1)).otherwise(size(vector)).as(SIZE)));
        columns.addAll(Arrays.asList(carried));
        return input.raw().select(columns.toArray(Column[]::new));
    }

    /** Whether the metric normalises vectors (what {@link VectorValues} checks besides finiteness and range). */
    boolean normalizes() {
        return normalizes;
    }

    /** Over {@link #checked}: the counts {@link #fromCounts} turns into the accounting, for rows of {@code dimension}. */
    static List<Column> counts(int dimension) {
        List<Column> counts = new ArrayList<>();
        counts.add(functions.count(lit(1)).as("rows"));
        Column rowOk = col(ROW_PROBLEM).isNull();
        for (String reason : REASONS) {
            Column is = switch (reason) {
                case "wrong-dimension" -> rowOk.and(col(SIZE).notEqual(dimension));
                case "null-id", "negative-id", "null-vector", "null-order" -> col(ROW_PROBLEM).equalTo(reason);
                default -> rowOk.and(col(SIZE).equalTo(dimension)).and(col(VALUE_PROBLEM).equalTo(reason));
            };
            counts.add(functions.count(when(is, lit(1))).as(reason));
        }
        return counts;
    }

    /** Over {@link #checked}: the rows accepted at {@code dimension}. */
    static Column acceptedAt(int dimension) {
        return col(ROW_PROBLEM).isNull().and(col(SIZE).equalTo(dimension)).and(col(VALUE_PROBLEM).isNull());
    }

    static RowAccounting fromCounts(Map<String, Object> counts, int dimension) {
        Map<String, Long> rejected = new LinkedHashMap<>();
        for (String reason : REASONS) {
            long n = ((Number) counts.get(reason)).longValue();
            if (n > 0) {
                rejected.put(reason, n);
            }
        }
        long total = ((Number) counts.get("rows")).longValue();
        LOG.info("input: {} rows, dimension {}, rejected {}", total, dimension, rejected);
        return new RowAccounting(total, dimension, rejected);
    }

    /** Row counts by (row problem, size, value problem): one pass over the input. */
    RowAccounting count(int configuredDimension) {
        List<Row> groups = input.raw().groupBy(
                        rowProblem.as("row_problem"),
                        when(vector.isNull(), lit(-1)).otherwise(size(vector)).as("size"),
                        valueProblem.as("value_problem"))
                .count()
                .collectAsList();
        long total = 0;
        Map<Integer, Long> bySize = new LinkedHashMap<>();
        for (Row g : groups) {
            total += g.getLong(3);
            if (g.getInt(1) >= 0) {
                bySize.merge(g.getInt(1), g.getLong(3), Long::sum);
            }
        }
        int dimension = configuredDimension > 0 ? configuredDimension : mostCommon(bySize);
        Map<String, Long> rejected = new LinkedHashMap<>();
        for (Row g : groups) {
            String reason = !g.isNullAt(0) ? g.getString(0)
                    : g.getInt(1) != dimension ? "wrong-dimension"
                    : g.isNullAt(2) ? null : g.getString(2);
            if (reason != null) {
                rejected.merge(reason, g.getLong(3), Long::sum);
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

    private static int mostCommon(Map<Integer, Long> bySize) {
        return bySize.entrySet().stream()
                .max((a, b) -> a.getValue().equals(b.getValue()) ? Integer.compare(b.getKey(), a.getKey())
                        : Long.compare(a.getValue(), b.getValue()))
                .map(Map.Entry::getKey)
                .orElse(0);
    }

    /** The same classification as a column: the reason, or null for an accepted row. */
    public Column reasonColumn(int dimension) {
        return coalesce(rowProblem, when(size(vector).notEqual(dimension), lit("wrong-dimension")), valueProblem);
    }

    public Dataset<Row> accepted(int dimension) {
        return input.raw().where(reasonColumn(dimension).isNull());
    }

    /** A few ids of rejected rows per reason; rows without an id are named by their file. */
    public Map<String, List<String>> samples(RowAccounting accounting) {
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
    public void writeQuarantine(RowAccounting accounting, String path) {
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
