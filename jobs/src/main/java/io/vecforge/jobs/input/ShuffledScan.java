package io.vecforge.jobs.input;

import static org.apache.spark.sql.functions.col;

import io.vecforge.data.RowFile;
import io.vecforge.data.RowFileWriter;
import io.vecforge.jobs.HadoopConf;
import io.vecforge.jobs.sample.RowSelection;
import io.vecforge.jobs.sample.ScanCandidates;
import io.vecforge.jobs.shard.RowKey;
import io.vecforge.jobs.shard.ShardStage;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ShuffleDependency;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.ShuffledRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.apache.spark.util.CollectionAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * The input scan of a build with int64 ids, run as the map side of the shard shuffle: one pass that
 * classifies every row by {@link RowCheck}'s reasons (counted per task), writes the training-sample and
 * query candidates ({@link InputScan}'s selection) and sends the accepted rows into the shuffle that
 * {@link ShardStage#build} later reads. The input is read once, where it was read twice (the scan, then the
 * shard stage's map side). It reads Parquet's column batches where Spark's vectorized reader serves the input
 * ({@link ColumnarInput}), else the rows of a Spark SQL projection: both classify and key every row alike
 * ({@link CheckedRows}). Each task reports its counts and its candidate file through an accumulator:
 * one report per partition is kept, so a task that Spark runs again (a retry, a lost shuffle file, a
 * speculative copy) is counted once, and files of attempts whose report was not kept are deleted.
 */
public final class ShuffledScan {
    private static final Logger LOG = LoggerFactory.getLogger(ShuffledScan.class);
    private static final int ACCEPTED = RowCheck.REASONS.size();
    private static final int TOTAL = ACCEPTED + 1;

    private static final String SAMPLE = "sample";

    /** The rows' accounting, the sample and query candidates, and the shuffle. */
    public record Result(RowAccounting accounting, ScanCandidates candidates,
            ShuffledRDD<RowKey, float[], float[]> shuffle) {}

    /**
     * One task's counts (RowCheck.REASONS' order, then accepted, then all rows), its sample candidates' file (null
     * when it wrote none) and ids, in the file's order, and its query candidates themselves (ids and vectors: a
     * few thousand rows in all, so the driver reads no file for them).
     */
    record TaskReport(int partition, long[] counts, String sampleFile, long[] sampleIds, long[] queryIds,
            float[] queryVectors) implements Serializable {}

    private ShuffledScan() {}

    /** Whether this pass serves: ids as they are (not mapped external ids) and a dimension to check against. */
    public static boolean serves(InputTable input, InputScan.Plan plan) {
        return !input.externalIds() && plan.dimension() > 0;
    }

    /**
     * Runs the pass. Returns null, having partitioned nothing the build will use, when the dimension was only
     * guessed from the first row and other rows disagree: the caller counts by size instead
     * ({@link InputScan}).
     */
    public static Result run(SparkSession spark, InputTable input, RowCheck check, InputScan.Plan plan,
            Path candidates, int shards) {
        boolean doubles = ((ArrayType) input.raw().schema().apply(input.vectorColumn()).dataType()).elementType()
                .equals(DataTypes.DoubleType);
        InputScan.Result thresholds = new InputScan.Result(null, null, plan);
        CollectionAccumulator<TaskReport> reports = spark.sparkContext().collectionAccumulator("vecforge-input-scan");
        HadoopConf conf = HadoopConf.forTasks(spark.sparkContext());
        Optional<ColumnarInput> columnar = ColumnarInput.of(input);
        ScanTask task = new ScanTask(check.normalizes(), doubles, plan.dimension(), plan.seed(),
                columnar.map(ColumnarInput::layout).orElse(null), thresholds.sampleBelow(), thresholds.queryBelow(),
                candidates.toString(), conf, reports);
        JavaRDD<Tuple2<RowKey, float[]>> pairs;
        int partitions;
        if (columnar.isPresent()) {
            JavaRDD<ColumnarBatch> batches = columnar.get().batches().toJavaRDD();
            partitions = batches.getNumPartitions();
            pairs = batches.mapPartitionsWithIndex(task::runColumnar, true);
        } else {
            LOG.info("the input cannot be read in column batches: scanning Spark SQL's rows");
            Column id = col("`" + input.idColumns().get(0) + "`").cast("long");
            Column vector = col("`" + input.vectorColumn() + "`"); // float or double: cast while checked
            Dataset<Row> checked = check.rowChecked(id.as("id"), vector.as("vector"), IndexRows.orderColumn(input),
                    RowSelection.key(plan.seed(), id).as("_sample_key"),
                    RowSelection.key(plan.seed() + 1, id).as("_query_key"));
            JavaRDD<InternalRow> rows = checked.queryExecution().toRdd().toJavaRDD();
            partitions = rows.getNumPartitions();
            pairs = rows.mapPartitionsWithIndex(task::runProjected, true);
        }
        ShuffledRDD<RowKey, float[], float[]> shuffle = ShardStage.partition(JavaPairRDD.fromJavaRDD(pairs), shards);
        LOG.info("scanning the input into {} shards: row checks, and candidates for {} sample rows and {} queries",
                shards, plan.sampleRows(), plan.queries());
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        jsc.setJobDescription("vecforge: check the input and partition it into " + shards + " shards");
        try {
            @SuppressWarnings("unchecked")
            ShuffleDependency<RowKey, float[], float[]> dependency =
                    (ShuffleDependency<RowKey, float[], float[]>) shuffle.dependencies().head();
            spark.sparkContext().submitMapStage(dependency).get();
        } catch (Exception e) {
            throw e instanceof RuntimeException runtime ? runtime : new IllegalStateException(e);
        } finally {
            jsc.setJobDescription(null);
        }
        Map<Integer, TaskReport> kept = new TreeMap<>();
        for (TaskReport report : reports.value()) {
            kept.putIfAbsent(report.partition(), report);
        }
        if (kept.size() != partitions) {
            throw new IllegalStateException("the input scan reported " + kept.size() + " of its " + partitions
                    + " partitions");
        }
        long[] counts = new long[TOTAL + 1];
        Set<String> files = new HashSet<>();
        for (TaskReport report : kept.values()) {
            for (int i = 0; i < counts.length; i++) {
                counts[i] += report.counts()[i];
            }
            if (report.sampleFile() != null) {
                files.add(new Path(report.sampleFile()).toUri().getPath());
            }
        }
        // partition order: the sample files' order by name
        long[] sampleIds = concat(kept.values().stream().map(TaskReport::sampleIds).toList());
        long[] queryIds = concat(kept.values().stream().map(TaskReport::queryIds).toList());
        float[] queryVectors = new float[Math.multiplyExact(queryIds.length, plan.dimension())];
        int at = 0;
        for (TaskReport report : kept.values()) {
            System.arraycopy(report.queryVectors(), 0, queryVectors, at, report.queryVectors().length);
            at += report.queryVectors().length;
        }
        deleteUnreported(spark, new Path(candidates, SAMPLE), files);
        Map<String, Object> byReason = new HashMap<>();
        byReason.put("rows", counts[TOTAL]);
        for (int i = 0; i < ACCEPTED; i++) {
            byReason.put(RowCheck.REASONS.get(i), counts[i]);
        }
        RowAccounting accounting = RowCheck.fromCounts(byReason, plan.dimension());
        if (!plan.dimensionConfigured() && accounting.rejected().containsKey("wrong-dimension")) {
            LOG.info("input.dimension is not set and rows differ in dimension: counting by size");
            return null;
        }
        LOG.info(String.format(Locale.ROOT, "input scanned into shards: %,d rows accepted; candidates: %,d for the"
                + " sample, %,d for the queries", counts[ACCEPTED], sampleIds.length, queryIds.length));
        return new Result(accounting, new ScanCandidates(new Path(candidates, SAMPLE), sampleIds,
                thresholds.sampleBelow(), queryIds, queryVectors, thresholds.queryBelow()), shuffle);
    }

    private static long[] concat(List<long[]> parts) {
        long[] all = new long[Math.toIntExact(parts.stream().mapToLong(part -> part.length).sum())];
        int at = 0;
        for (long[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }

    /**
     * Candidate files of attempts whose report was not kept (by path): the directory must hold exactly the kept
     * ones. It is made when missing, so that readers find it even when no task wrote a candidate.
     */
    private static void deleteUnreported(SparkSession spark, Path candidates, Set<String> kept) {
        try {
            FileSystem fs = candidates.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (!fs.exists(candidates)) {
                fs.mkdirs(candidates);
                return;
            }
            for (FileStatus file : fs.listStatus(candidates)) {
                if (!kept.contains(file.getPath().toUri().getPath())) {
                    fs.delete(file.getPath(), true);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot tidy the scan's candidates in " + candidates, e);
        }
    }

    /** What each scan task runs over its partition of the input: column batches where layout is set, else rows. */
    private record ScanTask(boolean normalizes, boolean doubles, int dimension, long seed, ColumnarInput.Layout layout,
            long sampleBelow, long queryBelow, String candidates, HadoopConf conf,
            CollectionAccumulator<TaskReport> reports) implements Serializable {
        Iterator<Tuple2<RowKey, float[]>> runColumnar(Integer partition, Iterator<ColumnarBatch> batches) {
            return new ScanIterator(this, partition, new ColumnarRows(batches, layout, normalizes, doubles, dimension,
                    seed));
        }

        Iterator<Tuple2<RowKey, float[]>> runProjected(Integer partition, Iterator<InternalRow> rows) {
            return new ScanIterator(this, partition, new ProjectedRows(rows, normalizes, doubles, dimension));
        }
    }

    /**
     * The accepted rows of one partition as shuffle pairs; counts every row on the way and writes the candidates.
     */
    private static final class ScanIterator implements Iterator<Tuple2<RowKey, float[]>> {
        private final ScanTask task;
        private final int partition;
        private final CheckedRows rows;
        private final long[] counts = new long[TOTAL + 1];
        private final Map<String, Integer> reasonIndex = new HashMap<>();
        private Tuple2<RowKey, float[]> pending;
        private boolean finished;
        private RowFileWriter sample;
        private long[] sampleIds = new long[0];
        private int sampleRows;
        private long[] queryIds = new long[0];
        private float[] queryVectors = new float[0];
        private int queryRows;

        ScanIterator(ScanTask task, int partition, CheckedRows rows) {
            this.task = task;
            this.partition = partition;
            this.rows = rows;
            for (int i = 0; i < RowCheck.REASONS.size(); i++) {
                reasonIndex.put(RowCheck.REASONS.get(i), i);
            }
        }

        @Override
        public boolean hasNext() {
            if (pending != null) {
                return true;
            }
            if (finished) {
                return false;
            }
            while (rows.next()) {
                counts[TOTAL]++;
                String reason = rows.reason();
                if (reason != null) {
                    Integer index = reasonIndex.get(reason);
                    if (index == null) {
                        throw new IllegalStateException("row check gave an unknown reason '" + reason + "'");
                    }
                    counts[index]++;
                    continue;
                }
                counts[ACCEPTED]++;
                long id = rows.id();
                float[] vector = rows.vector();
                if (rows.sampleKey() < task.sampleBelow()) {
                    sample(id, vector);
                }
                if (rows.queryKey() < task.queryBelow()) {
                    query(id, vector);
                }
                pending = new Tuple2<>(new RowKey(id, rows.order()), vector);
                return true;
            }
            finish();
            return false;
        }

        @Override
        public Tuple2<RowKey, float[]> next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            Tuple2<RowKey, float[]> next = pending;
            pending = null;
            return next;
        }

        /** Writes a sample candidate to this task's sample file, created at its first row, and keeps its id. */
        private void sample(long id, float[] vector) {
            Path file = sample != null ? sample.file() : null;
            try {
                if (sample == null) {
                    long attempt = TaskContext.get() == null ? 0 : TaskContext.get().taskAttemptId();
                    file = new Path(new Path(task.candidates(), SAMPLE), String.format(Locale.ROOT,
                            "part-%05d-%d%s", partition, attempt, RowFile.SUFFIX));
                    sample = RowFileWriter.create(task.conf().get(), file, task.dimension());
                }
                sample.write(id, vector);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the scan's sample candidates to " + file, e);
            }
            if (sampleRows == sampleIds.length) {
                sampleIds = Arrays.copyOf(sampleIds, Math.max(1024, 2 * sampleRows));
            }
            sampleIds[sampleRows++] = id;
        }

        private void query(long id, float[] vector) {
            int dimension = task.dimension();
            if (queryRows == queryIds.length) {
                queryIds = Arrays.copyOf(queryIds, Math.max(16, 2 * queryRows));
                queryVectors = Arrays.copyOf(queryVectors, Math.multiplyExact(queryIds.length, dimension));
            }
            queryIds[queryRows] = id;
            System.arraycopy(vector, 0, queryVectors, queryRows * dimension, dimension);
            queryRows++;
        }

        private void finish() {
            finished = true;
            if (sample != null) {
                try {
                    sample.close();
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot write the scan's sample candidates to " + sample.file(), e);
                }
            }
            task.reports().add(new TaskReport(partition, counts.clone(), sample == null ? null
                    : sample.file().toString(), Arrays.copyOf(sampleIds, sampleRows), Arrays.copyOf(queryIds,
                    queryRows), Arrays.copyOf(queryVectors, queryRows * task.dimension())));
        }
    }
}
