package io.vecforge.jobs.delta;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;

import io.vecforge.Failure;
import io.vecforge.faiss.Metric;
import io.vecforge.jobs.BuildFailedException;
import io.vecforge.jobs.input.InputTable;
import io.vecforge.jobs.input.RowCheck;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.storage.StorageLevel;

/**
 * A delta input's rows, checked: each row names an operation in the op column, {@code upsert} or
 * {@code delete} (any case). An upsert is checked like a full build's row (RowCheck's reasons at the
 * base's dimension); a delete needs only a valid id (its vector is ignored and may be null); any
 * other operation, null included, is rejected as {@code bad-op}.
 */
final class DeltaRows {
    static final String UPSERT = "upsert";
    static final String DELETE = "delete";
    private static final String OP = "_op";
    private static final String REASON = "_reason";
    private static final String REJECTED = "rejected:";

    /** Rows by operation and reason: accepted upserts and deletes (before duplicates), and the rejected. */
    record Counts(long inputRows, long upserts, long deletes, Map<String, Long> rejected) {
        long rejectedRows() {
            return rejected.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private final InputTable input;
    private final Dataset<Row> classified;

    private DeltaRows(InputTable input, Dataset<Row> classified) {
        this.input = input;
        this.classified = classified;
    }

    static DeltaRows of(InputTable input, String opColumn, int dimension, Metric metric) {
        StructField op = Arrays.stream(input.raw().schema().fields()).filter(f -> f.name().equals(opColumn))
                .findFirst().orElseThrow(() -> BuildFailedException.of(Failure.INPUT_SCHEMA, "the delta input has no"
                        + " operation column '" + opColumn + "' (delta.op-column): its columns are "
                        + Arrays.toString(input.raw().columns())));
        if (!op.dataType().equals(DataTypes.StringType)) {
            throw BuildFailedException.of(Failure.INPUT_SCHEMA, "delta.op-column '" + opColumn + "' is "
                    + op.dataType().simpleString() + ", expected string (upsert or delete)");
        }
        RowCheck check = new RowCheck(input, metric);
        Column operation = lower(trim(col("`" + opColumn + "`")));
        Column idNull = input.idColumns().stream().map(c -> col("`" + c + "`").isNull()).reduce(Column::or)
                .orElseThrow();
        Column negative = input.externalIds() ? lit(false) : col("`" + input.idColumns().get(0) + "`").lt(0);
        Column orderNull = input.orderColumn() == null ? lit(false) : col("`" + input.orderColumn() + "`").isNull();
        Column deleteReason = when(idNull, lit("null-id")).when(negative, lit("negative-id"))
                .when(orderNull, lit("null-order")).otherwise(lit(null).cast("string"));
        Column reason = when(operation.isNull().or(operation.isin(UPSERT, DELETE).unary_$bang()), lit("bad-op"))
                .when(operation.equalTo(DELETE), deleteReason)
                .otherwise(check.reasonColumn(dimension));
        // read and checked once: the count, the quarantine and the shard stage all take these rows
        // read and checked once: the count, the quarantine and the shard stage all take these rows
        return new DeltaRows(input, input.raw().withColumn(OP, operation).withColumn(REASON, reason)
                .persist(StorageLevel.DISK_ONLY()));
    }

    /** Drops the rows' local copy (after the shard stage). */
    void release() {
        classified.unpersist(false);
    }

    /** One pass: rows by (operation, reason). */
    Counts count() {
        long total = 0;
        long upserts = 0;
        long deletes = 0;
        Map<String, Long> rejected = new LinkedHashMap<>();
        // each task counts its rows by (operation, reason): one stage, no shuffle, a few entries per task
        List<Map<String, Long>> parts = classified.select(col(OP), col(REASON)).javaRDD()
                .mapPartitions(DeltaRows::countPartition).collect();
        for (Map<String, Long> part : parts) {
            for (Map.Entry<String, Long> group : part.entrySet()) {
                long n = group.getValue();
                total += n;
                if (group.getKey().startsWith(REJECTED)) {
                    rejected.merge(group.getKey().substring(REJECTED.length()), n, Long::sum);
                } else if (UPSERT.equals(group.getKey())) {
                    upserts += n;
                } else {
                    deletes += n;
                }
            }
        }
        return new Counts(total, upserts, deletes, rejected);
    }

    /** Rows by key: the operation of an accepted row, or REJECTED + reason. */
    private static java.util.Iterator<Map<String, Long>> countPartition(java.util.Iterator<Row> rows) {
        Map<String, Long> counts = new java.util.HashMap<>();
        while (rows.hasNext()) {
            Row row = rows.next();
            counts.merge(row.isNullAt(1) ? row.getString(0) : REJECTED + row.getString(1), 1L, Long::sum);
        }
        return List.of(counts).iterator();
    }

    /** Writes (id, reason, row) of every rejected row as Parquet, like a full build's quarantine. */
    void writeQuarantine(String path) {
        Column[] original = Arrays.stream(input.raw().columns()).map(c -> col("`" + c + "`")).toArray(Column[]::new);
        classified.where(col(REASON).isNotNull())
                .select(displayId().as("id"), col(REASON).as("reason"),
                        struct(original).as("row"))
                .write().parquet(path);
    }

    /** Fails when more rows were rejected than input.max-rejected-fraction allows, naming a few ids per reason. */
    void checkTolerance(Counts counts, double maxRejectedFraction, String quarantine) {
        double fraction = counts.rejectedRows() / (double) counts.inputRows();
        if (fraction <= maxRejectedFraction) {
            return;
        }
        List<String> reasons = new ArrayList<>();
        counts.rejected().forEach((reason, n) -> {
            List<String> ids = new ArrayList<>();
            for (Row row : classified.where(col(REASON).equalTo(reason)).select(displayId()).limit(5)
                    .collectAsList()) {
                ids.add(String.valueOf(row.get(0)));
            }
            reasons.add(reason + ": " + n + " (e.g. ids " + String.join("; ", ids) + ")");
        });
        throw BuildFailedException.of(Failure.BAD_ROWS, String.format(Locale.ROOT,
                "%,d of %,d delta rows rejected (%.4f%%), above input.max-rejected-fraction=%s: %s; rejected rows are"
                        + " in %s", counts.rejectedRows(), counts.inputRows(), 100 * fraction, maxRejectedFraction,
                String.join(", ", reasons), quarantine));
    }

    /**
     * The accepted rows as (id, upsert, vector as float or null, order); with external ids, the id
     * columns as they are in place of id ({@link DeltaIds} maps them).
     */
    Dataset<Row> accepted() {
        Column vector = when(col(OP).equalTo(UPSERT), col("`" + input.vectorColumn() + "`").cast("array<float>"))
                .as("vector");
        Column order = input.orderColumn() == null ? lit(0L) : col("`" + input.orderColumn() + "`").cast("long");
        List<Column> columns = new ArrayList<>();
        if (input.externalIds()) {
            input.idColumns().forEach(c -> columns.add(col("`" + c + "`")));
        } else {
            columns.add(col("`" + input.idColumns().get(0) + "`").cast("long").as("id"));
        }
        columns.addAll(List.of(col(OP).equalTo(UPSERT).as("upsert"), vector, order.as("order")));
        return classified.where(col(REASON).isNull()).select(columns.toArray(Column[]::new));
    }

    /** The row's id as the input holds it: value, or values joined by commas for composite ids. */
    private Column displayId() {
        return concat_ws(",", input.idColumns().stream().map(c -> col("`" + c + "`").cast("string"))
                .toArray(Column[]::new));
    }
}
