package io.vecforge.jobs.input;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vecforge.faiss.Metric;
import io.vecforge.jobs.SparkTestSupport;
import io.vecforge.jobs.config.BuildConfig;
import io.vecforge.jobs.shard.RowKey;
import java.nio.file.Path;
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
 */
class ShuffledScanValuesTest extends SparkTestSupport {
    private static final int DIM = 3;

    @TempDir
    Path dir;

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

    /** Runs the scan and the SQL function's counting pass; both must agree. Returns the shuffled rows by id. */
    private Map<Long, float[]> scanAndCompare(List<Row> rows, DataType element, Metric metric, int rejected) {
        StructType schema = new StructType()
                .add("id", DataTypes.LongType, true)
                .add("vector", DataTypes.createArrayType(element, true), true);
        String input = dir.resolve("input").toUri().toString();
        spark().createDataFrame(rows, schema).repartition(3).write().parquet(input);
        Map<String, String> settings = new HashMap<>();
        settings.put("index.name", "values");
        settings.put("input.path", input);
        settings.put("output.root", dir.resolve("root").toUri().toString());
        InputTable table = InputReader.open(spark(), BuildConfig.of(settings, "test"),
                spark().sparkContext().hadoopConfiguration());
        RowCheck check = new RowCheck(table, metric);

        InputScan.Plan plan = new InputScan.Plan(DIM, true, rows.size(), 10, 5, 42);
        ShuffledScan.Result scan = ShuffledScan.run(spark(), table, check, plan,
                new org.apache.hadoop.fs.Path(dir.resolve("candidates").toUri()), 2);
        RowAccounting counted = check.count(DIM);
        assertEquals(counted, scan.accounting(), "the scan's reasons are the SQL function's");
        assertEquals(rejected, scan.accounting().rejectedRows(), scan.accounting().rejected().toString());

        List<scala.Tuple2<Long, float[]>> shuffled = JavaPairRDD.fromRDD(scan.shuffle(),
                        ClassTag$.MODULE$.apply(RowKey.class), ClassTag$.MODULE$.apply(float[].class))
                .map(pair -> new scala.Tuple2<>(pair._1().id(), pair._2()))
                .collect();
        Map<Long, float[]> byId = new TreeMap<>();
        shuffled.forEach(pair -> byId.put(pair._1(), pair._2()));
        assertEquals(shuffled.size(), byId.size(), "each accepted row once");
        return byId;
    }

    private static Row row(Long id, Double... values) {
        return RowFactory.create(id, Arrays.asList(values));
    }

    private static Row frow(Long id, Float... values) {
        return RowFactory.create(id, Arrays.asList(values));
    }
}
