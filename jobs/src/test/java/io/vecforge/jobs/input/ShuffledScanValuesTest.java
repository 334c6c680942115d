package io.vecforge.jobs.input;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecforge.faiss.Metric;
import io.vecforge.jobs.SparkTestSupport;
import io.vecforge.jobs.config.BuildConfig;
import io.vecforge.jobs.sample.ScanCandidates;
import io.vecforge.jobs.shard.RowKey;
import java.nio.file.Path;
import java.sql.Date;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.reflect.ClassTag$;

/**
 * The scan checks each row's values on Spark's own arrays, not through the SQL function: both must give every
 * reason the same way, for float and double input, and the shuffle must carry the accepted vectors as floats.
 * It reads Parquet's column batches where it can and Spark SQL's rows otherwise: the two give the same counts,
 * candidates and shuffled rows (ids, orders, vectors).
 */
class ShuffledScanValuesTest extends SparkTestSupport {
    private static final int DIM = 3;
    private static final String VECTORIZED = "spark.sql.parquet.enableVectorizedReader";

    @TempDir
    Path dir;
    private int runs;

    @Test
    void doublesGetEveryReasonAsTheCountingPassGivesIt() {
        List<Row> rows = new ArrayList<>();
        rows.add(row(1L, 1.0, 2.0, 3.0)); // accepted
        rows.add(row(2L, 0.5, -0.25, 1e-3)); // accepted
        rows.add(row(3L, 1.0, Double.NaN, 1.0)); // non-finite
        rows.add(row(4L, 1.0, null, 1.0)); // non-finite (a null component)
        rows.add(row(5L, Double.NEGATIVE_INFINITY, 1.0, 1.0)); // non-finite
        rows.add(row(6L, 1e39, 1.0, 1.0)); // float-overflow
        rows.add(row(7L, 1e-50, 1.0, 1.0)); // float-underflow
        rows.add(row(8L, 3e38, 3e38, 0.0)); // norm-overflow
        rows.add(row(9L, 0.0, -0.0, 0.0)); // zero-vector (cosine)
        rows.add(row(10L, 1e-20, 1e-20, 0.0)); // norm-underflow (cosine)
        rows.add(RowFactory.create(11L, Arrays.asList(1.0, 2.0))); // wrong-dimension
        rows.add(RowFactory.create(12L, null)); // null-vector
        rows.add(row(-13L, 1.0, 1.0, 1.0)); // negative-id
        rows.add(row(null, 1.0, 1.0, 1.0)); // null-id
        for (long id = 100; id < 140; id++) {
            rows.add(row(id, id * 0.5, -1.0, 1.0 / id));
        }
        Map<Long, float[]> accepted = scanAndCompare(rows, DataTypes.DoubleType, Metric.COSINE, 12);
        assertEquals(42, accepted.size());
        assertArrayEquals(new float[] {0.5f, -0.25f, 1e-3f}, accepted.get(2L), "cast to float as Faiss takes it");
        assertArrayEquals(new float[] {(float) (137 * 0.5), -1f, (float) (1.0 / 137)}, accepted.get(137L));
    }

    @Test
    void floatsGetEveryReasonAsTheCountingPassGivesIt() {
        List<Row> rows = new ArrayList<>();
        rows.add(frow(1L, 1f, 2f, 3f));
        rows.add(frow(2L, 0f, 0f, 0f)); // accepted: nothing normalises under l2
        rows.add(frow(3L, Float.NaN, 1f, 1f));
        rows.add(frow(4L, 1f, 1f, null));
        rows.add(frow(5L, 1f, Float.POSITIVE_INFINITY, 1f));
        rows.add(frow(6L, 3e38f, 3e38f, 1f)); // norm-overflow
        rows.add(RowFactory.create(7L, Arrays.asList(1f, 2f, 3f, 4f)));
        for (long id = 100; id < 130; id++) {
            rows.add(frow(id, (float) id, (float) -id, 0.25f));
        }
        Map<Long, float[]> accepted = scanAndCompare(rows, DataTypes.FloatType, Metric.L2, 5);
        assertEquals(32, accepted.size());
        assertArrayEquals(new float[] {0f, 0f, 0f}, accepted.get(2L));
        assertArrayEquals(new float[] {129f, -129f, 0.25f}, accepted.get(129L));
    }

    @Test
    void intIdsAndTimestampOrdersAsTheSqlCastsGiveThem() {
        StructType schema = new StructType()
                .add("key", DataTypes.IntegerType, true)
                .add("emb", DataTypes.createArrayType(DataTypes.FloatType, true), true)
                .add("at", DataTypes.TimestampType, true);
        List<Row> rows = new ArrayList<>();
        rows.add(RowFactory.create(1, Arrays.asList(1f, 2f, 3f), new Timestamp(1_700_000_000_123L))); // accepted
        rows.add(RowFactory.create(2, Arrays.asList(1f, 2f, 3f), null)); // null-order
        rows.add(RowFactory.create(-3, Arrays.asList(1f, 2f, 3f), null)); // negative-id before null-order
        rows.add(RowFactory.create(null, null, null)); // null-id first
        rows.add(RowFactory.create(5, null, null)); // null-vector before null-order
        rows.add(RowFactory.create(6, Arrays.asList(1f, 2f), null)); // null-order before wrong-dimension
        rows.add(RowFactory.create(7, Arrays.asList(1f, 2f), new Timestamp(-86_400_000L))); // wrong-dimension
        rows.add(RowFactory.create(Integer.MAX_VALUE, Arrays.asList(1f, 0f, 0f), new Timestamp(0L)));
        for (int id = 100; id < 160; id++) {
            rows.add(RowFactory.create(id, Arrays.asList((float) id, 0.5f, -1f), new Timestamp(1_000L * id)));
        }
        Map<RowKey, float[]> accepted = scanBothWays(rows, schema, "at", Metric.L2, 6);
        assertEquals(62, accepted.size());
        assertArrayEquals(new float[] {1f, 2f, 3f}, accepted.get(new RowKey(1, 1_700_000_000_123_000L)),
                "timestamps as µs, as unix_micros gives them");
        assertArrayEquals(new float[] {1f, 0f, 0f}, accepted.get(new RowKey(Integer.MAX_VALUE, 0)));
    }

    @Test
    void dateOrdersAsDays() {
        StructType schema = new StructType()
                .add("id", DataTypes.LongType, true)
                .add("vector", DataTypes.createArrayType(DataTypes.DoubleType, true), true)
                .add("day", DataTypes.DateType, true);
        List<Row> rows = new ArrayList<>();
        rows.add(RowFactory.create(1L, Arrays.asList(1.0, 2.0, 3.0), Date.valueOf("2026-12-05")));
        rows.add(RowFactory.create(2L, Arrays.asList(1.0, 2.0, 3.0), null)); // null-order
        rows.add(RowFactory.create(3L, Arrays.asList(1.0, null, 3.0), Date.valueOf("1969-12-31"))); // non-finite
        for (long id = 100; id < 150; id++) {
            rows.add(RowFactory.create(id, Arrays.asList(id * 0.5, 1.0, 0.0), Date.valueOf("2026-01-01")));
        }
        Map<RowKey, float[]> accepted = scanBothWays(rows, schema, "day", Metric.INNER_PRODUCT, 2);
        assertEquals(51, accepted.size());
        assertArrayEquals(new float[] {1f, 2f, 3f}, accepted.get(new RowKey(1, 20_792)), "days since 1970-01-01");
    }

    /** Runs the scan and the SQL function's counting pass; both must agree. Returns the shuffled rows by id. */
    private Map<Long, float[]> scanAndCompare(List<Row> rows, DataType element, Metric metric, int rejected) {
        StructType schema = new StructType()
                .add("id", DataTypes.LongType, true)
                .add("vector", DataTypes.createArrayType(element, true), true);
        Map<Long, float[]> byId = new TreeMap<>();
        scanBothWays(rows, schema, null, metric, rejected).forEach((key, vector) -> byId.put(key.id(), vector));
        return byId;
    }

    /**
     * Writes the rows (first column ids, second vectors), then scans them from Parquet's column batches and again
     * from Spark SQL's rows (the vectorized reader off): both scans, and the SQL function's counting pass, must
     * agree on every count, candidate and shuffled row. Returns the shuffled rows.
     */
    private Map<RowKey, float[]> scanBothWays(List<Row> rows, StructType schema, String orderColumn, Metric metric,
            int rejected) {
        Path run = dir.resolve("run" + runs++);
        String input = run.resolve("input").toUri().toString();
        spark().createDataFrame(rows, schema).repartition(3).write().parquet(input);
        Map<String, String> settings = new HashMap<>();
        settings.put("index.name", "values");
        settings.put("input.path", input);
        settings.put("input.id-column", schema.fields()[0].name());
        settings.put("input.vector-column", schema.fields()[1].name());
        if (orderColumn != null) {
            settings.put("input.order-column", orderColumn);
        }
        settings.put("output.root", run.resolve("root").toUri().toString());
        InputTable table = InputReader.open(spark(), BuildConfig.of(settings, "test"),
                spark().sparkContext().hadoopConfiguration());
        RowCheck check = new RowCheck(table, metric);
        InputScan.Plan plan = new InputScan.Plan(DIM, true, rows.size(), 10, 5, 42);

        assertTrue(ColumnarInput.of(table).isPresent(), "Parquet's vectorized reader serves the scan");
        ShuffledScan.Result columnar = ShuffledScan.run(spark(), table, check, plan, hadoopPath(run, "columnar"), 2);
        ShuffledScan.Result projected;
        spark().conf().set(VECTORIZED, "false");
        try {
            assertTrue(ColumnarInput.of(table).isEmpty(), "without the vectorized reader the scan reads rows");
            projected = ShuffledScan.run(spark(), table, check, plan, hadoopPath(run, "projected"), 2);
        } finally {
            spark().conf().unset(VECTORIZED);
        }

        RowAccounting counted = check.count(DIM);
        assertEquals(counted, columnar.accounting(), "the scan's reasons are the SQL function's");
        assertEquals(counted, projected.accounting());
        assertEquals(rejected, counted.rejectedRows(), counted.rejected().toString());
        ScanCandidates a = columnar.candidates();
        ScanCandidates b = projected.candidates();
        assertArrayEquals(b.sampleIds(), a.sampleIds(), "the same sample candidates in the same order");
        assertArrayEquals(b.queryIds(), a.queryIds(), "the same query candidates");
        assertArrayEquals(b.queryVectors(), a.queryVectors());

        Map<RowKey, float[]> fromColumns = shuffled(columnar);
        Map<RowKey, float[]> fromRows = shuffled(projected);
        assertEquals(fromRows.keySet(), fromColumns.keySet(), "the same ids and orders in the shuffle");
        fromRows.forEach((key, vector) -> assertArrayEquals(vector, fromColumns.get(key), key.toString()));
        assertEquals(counted.acceptedRows(), fromColumns.size(), "each accepted row once");
        return fromColumns;
    }

    private static Map<RowKey, float[]> shuffled(ShuffledScan.Result scan) {
        List<scala.Tuple2<RowKey, float[]>> pairs = JavaPairRDD.fromRDD(scan.shuffle(),
                ClassTag$.MODULE$.apply(RowKey.class), ClassTag$.MODULE$.apply(float[].class)).collect();
        Map<RowKey, float[]> byKey = new TreeMap<>(RowKey.ORDER);
        pairs.forEach(pair -> byKey.put(pair._1(), pair._2()));
        assertEquals(pairs.size(), byKey.size(), "each row once");
        return byKey;
    }

    private static org.apache.hadoop.fs.Path hadoopPath(Path run, String name) {
        return new org.apache.hadoop.fs.Path(run.resolve(name).toUri());
    }

    private static Row row(Long id, Double... values) {
        return RowFactory.create(id, Arrays.asList(values));
    }

    private static Row frow(Long id, Float... values) {
        return RowFactory.create(id, Arrays.asList(values));
    }
}
