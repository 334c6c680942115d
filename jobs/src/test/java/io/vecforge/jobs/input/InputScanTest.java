package io.vecforge.jobs.input;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecforge.data.EmbeddingParquetWriter;
import io.vecforge.data.RowFileReader;
import io.vecforge.faiss.Metric;
import io.vecforge.jobs.IndexShape;
import io.vecforge.jobs.SparkTestSupport;
import io.vecforge.jobs.config.BuildConfig;
import io.vecforge.jobs.sample.HoldoutQueries;
import io.vecforge.jobs.sample.RowSelection;
import io.vecforge.jobs.sample.ScanCandidates;
import io.vecforge.jobs.sample.TrainingSample;
import io.vecforge.jobs.train.TrainStage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one input pass picks the same sample and queries, and counts the same rows, as the passes it replaced. */
class InputScanTest extends SparkTestSupport {
    private static final int ROWS = 20_000;
    private static final int DIM = 16;
    private static final long SEED = 42;

    @TempDir
    static Path dir;
    private InputTable input;
    private RowCheck check;

    @BeforeAll
    void writeInput() throws Exception {
        org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(dir.resolve("input").toUri());
        EmbeddingParquetWriter.generate(new Configuration(), path, ROWS, DIM, 5, 3, "id", "vector");
        Map<String, String> settings = new HashMap<>();
        settings.put("index.name", "scan");
        settings.put("input.path", path.toString());
        settings.put("output.root", dir.resolve("root").toUri().toString());
        BuildConfig config = BuildConfig.of(settings, "test");
        input = InputReader.open(spark(), config, spark().sparkContext().hadoopConfiguration());
        check = new RowCheck(input, Metric.L2);
    }

    @Test
    void candidatesHoldExactlyWhatTheFullPassesWouldPick() throws Exception {
        InputScan.Plan plan = new InputScan.Plan(DIM, true, ROWS, 2_000, 100, SEED);
        InputScan.Result scan = InputScan.run(input, check, plan, hadoopPath("candidates"));
        RowAccounting counted = check.count(DIM);
        assertEquals(counted, scan.accounting(), "the observed counts are the counting pass's");
        assertNotNull(scan.candidates());

        Dataset<Row> candidates = spark().read().parquet(scan.candidates().toString());
        long candidateRows = candidates.count();
        assertTrue(candidateRows >= 2_100 && candidateRows < ROWS / 4, candidateRows + " candidates");
        Dataset<Row> accepted = IndexRows.of(spark(), input, check.accepted(DIM), null, null).rows();

        long fromCandidates = TrainingSample.write(spark(), candidates, scan.sampleBelow(), 2_000, SEED,
                hadoopPath("sample-candidates"));
        long fromAll = TrainingSample.write(spark(), accepted, RowSelection.BUCKETS, 2_000, SEED,
                hadoopPath("sample-all"));
        assertEquals(2_000, fromCandidates);
        assertEquals(2_000, fromAll);
        assertEquals(ids("sample-all"), ids("sample-candidates"), "same rows, same order");

        IndexShape shape = new IndexShape(DIM, "IVF16,PQ4np", Metric.L2);
        float[] queries = HoldoutQueries.queries(candidates, scan.queryBelow(), accepted, ROWS, shape, 100, SEED);
        assertEquals(100 * DIM, queries.length);
        assertArrayEquals(HoldoutQueries.queries(accepted, RowSelection.BUCKETS, shape, 100, SEED), queries);
    }

    @Test
    void theScanRunAsTheShardShufflesMapSideCountsAndSelectsTheSameAndShufflesEveryAcceptedRow() throws Exception {
        InputScan.Plan plan = new InputScan.Plan(DIM, true, ROWS, 2_000, 100, SEED);
        ShuffledScan.Result shuffled = ShuffledScan.run(spark(), input, check, plan, hadoopPath("shuffled"), 3);
        assertEquals(check.count(DIM), shuffled.accounting(), "the tasks' reports add up to the counting pass");
        InputScan.Result scan = InputScan.run(input, check, plan, hadoopPath("scanned"));
        Dataset<Row> parquet = spark().read().parquet(scan.candidates().toString());
        ScanCandidates candidates = shuffled.candidates();
        List<Long> sample = rowFileIds(candidates.sample());
        assertEquals(sample, java.util.Arrays.stream(candidates.sampleIds()).boxed().toList(),
                "the reported sample ids are the sample files' rows, in their order");
        assertEquals(selected(parquet, SEED, scan.sampleBelow()), sorted(sample), "the same sample candidates");
        List<Long> queryIds = java.util.Arrays.stream(candidates.queryIds()).boxed().toList();
        assertEquals(selected(parquet, SEED + 1, scan.queryBelow()), sorted(queryIds), "the same query candidates");
        assertEquals(queryIds.size() * DIM, candidates.queryVectors().length);
        java.util.Set<Long> union = new java.util.TreeSet<>(sample);
        union.addAll(queryIds);
        assertEquals(sortedIds(scan.candidates()), List.copyOf(union), "nothing else");

        // the map side ran already: the reduce side finds every accepted row in its shard (each shard task sorts)
        List<Long> counts = org.apache.spark.api.java.JavaPairRDD.fromRDD(shuffled.shuffle(),
                        scala.reflect.ClassTag$.MODULE$.apply(io.vecforge.jobs.shard.RowKey.class),
                        scala.reflect.ClassTag$.MODULE$.apply(float[].class))
                .mapPartitionsWithIndex((shard, rows) -> {
                    long n = 0;
                    while (rows.hasNext()) {
                        long id = rows.next()._1().id();
                        if (io.vecforge.bundle.ShardAssignment.shardOf(id, 3) != shard) {
                            throw new IllegalStateException("row " + id + " in shard " + shard);
                        }
                        n++;
                    }
                    return List.of(n).iterator();
                }, true).collect();
        assertEquals(3, counts.size());
        assertEquals(ROWS, counts.stream().mapToLong(Long::longValue).sum());
    }

    @Test
    void theSampleStagedByItsIdsOrderIsTheSortedSampleAndTrainsTheSameIndex() throws Exception {
        InputScan.Plan plan = new InputScan.Plan(DIM, true, ROWS, 2_000, 100, SEED);
        ShuffledScan.Result shuffled = ShuffledScan.run(spark(), input, check, plan, hadoopPath("staging"), 3);
        Dataset<Row> accepted = IndexRows.of(spark(), input, check.accepted(DIM), null, null).rows();
        TrainingSample.Staged staged = TrainingSample.stage(spark(), shuffled.candidates(), accepted, ROWS, 2_000,
                SEED, hadoopPath("staged-sample"));
        assertNotNull(staged.order(), "the candidates hold the sample: only its order is written");
        assertTrue(staged.rowFiles());
        assertEquals(2_000, staged.count());
        TrainingSample.Staged sorted = new TrainingSample.Staged(hadoopPath("sorted-sample").toString(), false, null,
                TrainingSample.write(spark(), accepted, RowSelection.BUCKETS, 2_000, SEED, hadoopPath("sorted-sample")));

        Configuration conf = spark().sparkContext().hadoopConfiguration();
        long[] placedIds = new long[2_000];
        float[] placed = new float[2_000 * DIM];
        try (io.vecforge.writer.shard.EmbeddingCursor rows = staged.open(conf)) {
            int n = 0;
            while (rows.next()) {
                int at = (int) rows.position();
                placedIds[at] = rows.id();
                System.arraycopy(rows.vector(), 0, placed, at * DIM, DIM);
                n++;
            }
            assertEquals(2_000, n);
        }
        try (io.vecforge.writer.shard.EmbeddingCursor rows = sorted.open(conf)) {
            for (int i = 0; i < 2_000; i++) {
                assertTrue(rows.next());
                assertEquals(-1, rows.position());
                assertEquals(rows.id(), placedIds[i], "row " + i);
                assertArrayEquals(rows.vector(), java.util.Arrays.copyOfRange(placed, i * DIM, (i + 1) * DIM));
            }
        }
        assertArrayEquals(trainedBytes(sorted, conf), trainedBytes(staged, conf), "byte-identical training");

        IndexShape shape = new IndexShape(DIM, "IVF16,PQ4np", Metric.COSINE);
        assertArrayEquals(HoldoutQueries.queries(accepted, RowSelection.BUCKETS, shape, 100, SEED),
                HoldoutQueries.queries(shuffled.candidates(), accepted, ROWS, shape, 100, SEED),
                "the queries chosen from the query candidates on the driver are Spark's choice, prepared alike");
    }

    @Test
    void theJavaSelectionOrdersTiesOfKeyByIdAsSparkDoes() {
        Map<Long, Long> byKey = new HashMap<>();
        long[] tie = null;
        for (long id = 0; tie == null; id++) {
            Long other = byKey.putIfAbsent(RowSelection.keyOf(SEED, id), id);
            if (other != null) {
                tie = new long[] {id, other, 7, id}; // the larger id first, and a repeated id
            }
        }
        long[] ids = tie;
        Dataset<Row> rows = spark().createDataset(java.util.Arrays.stream(ids).boxed().toList(),
                org.apache.spark.sql.Encoders.LONG()).toDF("id");
        long[] bySpark = TrainingSample.orderedIds(rows, RowSelection.BUCKETS, 4, SEED);
        int[] chosen = RowSelection.smallest(SEED, ids, RowSelection.BUCKETS, 4);
        assertArrayEquals(bySpark, java.util.Arrays.stream(chosen).mapToLong(i -> ids[i]).toArray());
        assertEquals(3, RowSelection.smallest(SEED, ids, RowSelection.BUCKETS, 3).length);
        assertEquals(0, RowSelection.smallest(SEED, ids, 0, 4).length, "nothing below key 0");
    }

    @Test
    void theJavaSelectionKeyIsSparks() {
        List<Row> keys = input.raw().select(org.apache.spark.sql.functions.col("id"),
                RowSelection.key(SEED, org.apache.spark.sql.functions.col("id"))).collectAsList();
        assertEquals(ROWS, keys.size());
        for (Row row : keys) {
            assertEquals(row.getLong(1), RowSelection.keyOf(SEED, row.getLong(0)), "id " + row.getLong(0));
        }
        long[] negative = {-1L, Long.MIN_VALUE, Long.MAX_VALUE};
        List<Row> edge = spark().createDataset(java.util.Arrays.asList(-1L, Long.MIN_VALUE, Long.MAX_VALUE),
                org.apache.spark.sql.Encoders.LONG()).toDF("id")
                .select(RowSelection.key(7, org.apache.spark.sql.functions.col("id"))).collectAsList();
        for (int i = 0; i < negative.length; i++) {
            assertEquals(edge.get(i).getLong(0), RowSelection.keyOf(7, negative[i]));
        }
    }

    @Test
    void anOrderMadeUnderAnotherSeedIsRefused() throws Exception {
        Configuration conf = spark().sparkContext().hadoopConfiguration();
        InputScan.Plan plan = new InputScan.Plan(DIM, true, ROWS, 2_000, 100, SEED);
        ShuffledScan.Result shuffled = ShuffledScan.run(spark(), input, check, plan, hadoopPath("reseeded"), 2);
        long[] pool = shuffled.candidates().sampleIds();
        long[] ids = java.util.Arrays.stream(RowSelection.smallest(SEED, pool, RowSelection.BUCKETS, 500))
                .mapToLong(i -> pool[i]).toArray();
        org.apache.hadoop.fs.Path order = hadoopPath("reseeded-order.bin");
        new io.vecforge.jobs.sample.SampleOrder(SEED + 1, ids).write(conf, order);
        IllegalStateException refused = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> io.vecforge.jobs.sample.OrderedCandidates.open(conf,
                        RowFileReader.open(conf, shuffled.candidates().sample()), order).close());
        assertTrue(refused.getMessage().contains("not made with this seed"), refused.getMessage());
    }

    private static byte[] trainedBytes(TrainingSample.Staged sample, Configuration conf) throws Exception {
        Path file = Files.createTempFile(dir, "trained", ".faiss");
        try (io.vecforge.writer.shard.EmbeddingCursor rows = sample.open(conf);
                io.vecforge.faiss.FaissIndex trained = new io.vecforge.writer.train.CpuTrainer().train(rows,
                        sample.count(), DIM, "IVF16,PQ4np", Metric.L2)) {
            trained.write(file);
        }
        return Files.readAllBytes(file);
    }

    @Test
    void aCandidateSetShortOfTheSampleShowsIt() throws Exception {
        InputScan.Plan tooSmall = new InputScan.Plan(DIM, true, ROWS, 200, 100, SEED);
        InputScan.Result scan = InputScan.run(input, check, tooSmall, hadoopPath("few-candidates"));
        Dataset<Row> candidates = spark().read().parquet(scan.candidates().toString());
        long found = TrainingSample.write(spark(), candidates, scan.sampleBelow(), 2_000, SEED,
                hadoopPath("short-sample"));
        assertTrue(found < 2_000, found + " rows: the build samples the accepted rows instead (TrainStage)");
    }

    @Test
    void thresholdsCoverEveryRowWhenFewAreThere() {
        assertEquals(RowSelection.BUCKETS, RowSelection.threshold(1_000, 1_300));
        long below = RowSelection.threshold(1_000, 1_000_000);
        double expected = 1.25 * (1_000 + 6 * Math.sqrt(1_000) + 100) / 1_000_000 * RowSelection.BUCKETS;
        assertEquals(Math.ceil(expected), below, 1.0);
    }

    private org.apache.hadoop.fs.Path hadoopPath(String name) {
        return new org.apache.hadoop.fs.Path(dir.resolve(name).toUri());
    }

    private List<Long> sortedIds(org.apache.hadoop.fs.Path candidates) {
        return spark().read().parquet(candidates.toString()).select("id").orderBy("id")
                .as(org.apache.spark.sql.Encoders.LONG()).collectAsList();
    }

    private static List<Long> rowFileIds(org.apache.hadoop.fs.Path files) throws java.io.IOException {
        List<Long> ids = new java.util.ArrayList<>();
        try (RowFileReader rows = RowFileReader.open(new Configuration(), files)) {
            while (rows.next()) {
                ids.add(rows.id());
            }
        }
        return ids;
    }

    private static List<Long> sorted(List<Long> ids) {
        return ids.stream().sorted().toList();
    }

    /** The ids of {@code rows} whose key under {@code seed} is below {@code below}, sorted. */
    private static List<Long> selected(Dataset<Row> rows, long seed, long below) {
        return rows.where(RowSelection.key(seed, org.apache.spark.sql.functions.col("id")).lt(below)).select("id")
                .orderBy("id").as(org.apache.spark.sql.Encoders.LONG()).collectAsList();
    }

    private List<Long> ids(String sample) {
        return spark().read().parquet(dir.resolve(sample).toUri().toString()).select("id").as(
                org.apache.spark.sql.Encoders.LONG()).collectAsList();
    }
}
