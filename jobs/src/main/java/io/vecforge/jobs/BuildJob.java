package io.vecforge.jobs;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.xxhash64;

import io.vecforge.Versions;
import io.vecforge.build.InvalidRowException;
import io.vecforge.build.Neighbours;
import io.vecforge.build.TrainingPlan;
import io.vecforge.bundle.BundleLayout;
import io.vecforge.bundle.BundleStorage;
import io.vecforge.bundle.FileDigest;
import io.vecforge.bundle.Manifest;
import io.vecforge.bundle.ShardAssignment;
import io.vecforge.data.Fvecs;
import io.vecforge.faiss.FaissIndex;
import io.vecforge.validate.BundleValidator;
import io.vecforge.validate.ValidationReport;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * The nightly build, as a thin Spark driver over the plain-Java stages: read and check the input,
 * stage a training sample, train in one task, build shards in parallel, validate, publish.
 * Nothing is published unless every stage succeeds; a failed build removes its version directory.
 */
public final class BuildJob {
    private static final Logger LOG = LoggerFactory.getLogger(BuildJob.class);

    private final SparkSession spark;
    private final BuildConfig config;
    private final Configuration hadoopConf;
    private final StageClock clock = new StageClock();
    private boolean createdVersionDir;

    public BuildJob(SparkSession spark, BuildConfig config) {
        this.spark = spark;
        this.config = config;
        this.hadoopConf = spark.sparkContext().hadoopConfiguration();
    }

    /** Builds, validates and publishes a new version; returns its manifest. */
    public BuildResult run() {
        Path root = new Path(config.outputRoot());
        BundleLayout layout = new BundleLayout(root, config.indexName());
        BundleStorage storage;
        try {
            storage = BundleStorage.forUri(root.toUri(), hadoopConf);
        } catch (IOException e) {
            throw new BuildFailedException("setup", "cannot open output root " + root + ": " + e.getMessage(), e);
        }
        String version = Versions.newVersionId(Instant.now());
        Path versionDir = storage.qualify(layout.versionDir(version));
        LOG.info("building index '{}' version {} from {} into {}", config.indexName(), version, config.inputPath(),
                versionDir);
        try {
            return build(storage, layout, version, versionDir);
        } catch (BuildFailedException e) {
            abandonIfCreated(storage, versionDir);
            throw e;
        } catch (Exception e) {
            abandonIfCreated(storage, versionDir);
            throw new BuildFailedException(clock.current(), describe(e), e);
        }
    }

    private BuildResult build(BundleStorage storage, BundleLayout layout, String version, Path versionDir)
            throws IOException {
        Manifest manifest = new Manifest();
        manifest.indexName = config.indexName();
        manifest.version = version;
        manifest.vecforgeVersion = Versions.vecforge();
        manifest.faissVersion = FaissIndex.faissVersion();
        manifest.vectors.factory = config.factory();
        manifest.vectors.metric = config.metric().configName();
        manifest.training.seed = config.seed();
        manifest.sharding.shards = config.shards();

        clock.start("read");
        Dataset<Row> input = readInput();
        int dimension = dimensionOf(input);
        long rows = input.count();
        Path inputPath = new Path(config.inputPath());
        manifest.source.path = inputPath.getFileSystem(hadoopConf).makeQualified(inputPath).toString();
        manifest.source.idColumn = config.idColumn();
        manifest.source.vectorColumn = config.vectorColumn();
        manifest.source.acceptedRows = rows;
        manifest.vectors.dimension = dimension;
        LOG.info("input: {} rows of dimension {}", rows, dimension);
        FaissIndex.create(dimension, config.factory(), config.metric()).close(); // fail fast on a bad factory
        TrainingPlan plan = TrainingPlan.forFactory(config.factory(), dimension, rows, config.maxSampleBytes(),
                config.sampleRows());
        if (config.queries() > rows) {
            throw new IllegalArgumentException("validate.queries=" + config.queries() + " exceeds the " + rows
                    + " input rows");
        }
        if (storage.exists(versionDir)) {
            throw new IllegalStateException("version directory already exists: " + versionDir);
        }
        storage.mkdirs(versionDir);
        createdVersionDir = true;
        clock.stop();

        clock.start("sample");
        Path work = new Path(versionDir, BundleLayout.WORK);
        Path samplePath = new Path(work, "train-sample");
        long sampleRows = writeTrainingSample(input, rows, plan.sampleRows(), samplePath);
        if (sampleRows < plan.minimumRows()) {
            throw new IllegalStateException("training sample has " + sampleRows + " rows, below the "
                    + plan.minimumRows() + " needed");
        }
        manifest.training.sampleRows = sampleRows;
        clock.stop();

        clock.start("train");
        Path trainedPath = new Path(versionDir, BundleLayout.TRAINED_INDEX);
        TrainTask.Result trained = train(samplePath, sampleRows, dimension, trainedPath);
        manifest.training.trainedIndexFile = BundleLayout.TRAINED_INDEX;
        manifest.files.add(new Manifest.BundleFile("trained-index", BundleLayout.TRAINED_INDEX, trained.digest()));
        clock.stop();

        clock.start("queries");
        float[] queries = holdoutQueries(input, dimension);
        int queryCount = queries.length / dimension;
        manifest.files.add(new Manifest.BundleFile("holdout-queries", BundleLayout.QUERIES,
                uploadFvecs(storage, new Path(versionDir, BundleLayout.QUERIES), queries, queryCount, dimension)));
        clock.stop();

        clock.start("shards");
        List<ShardTask.Report> reports = buildShards(input, versionDir, trainedPath, queries);
        Neighbours exact = new Neighbours(queryCount, config.k(), config.metric().smallerIsCloser());
        for (ShardTask.Report report : reports) {
            manifest.shards.add(shardEntry(report));
            exact.merge(report.exact());
        }
        manifest.files.add(new Manifest.BundleFile("holdout-ground-truth", BundleLayout.GROUND_TRUTH,
                uploadGroundTruth(storage, new Path(versionDir, BundleLayout.GROUND_TRUTH), exact)));
        manifest.validation.queriesFile = BundleLayout.QUERIES;
        manifest.validation.groundTruthFile = BundleLayout.GROUND_TRUTH;
        manifest.validation.queries = queryCount;
        manifest.validation.k = config.k();
        manifest.validation.nprobe = config.nprobe();
        manifest.validation.minRecall = config.minRecall();
        clock.stop();

        clock.start("validate");
        storage.delete(work);
        java.nio.file.Path scratch = Files.createTempDirectory("vecforge-validate-");
        ValidationReport report;
        try {
            report = new BundleValidator(storage, new BundleValidator.Options(false, null, null, scratch))
                    .validate(versionDir, manifest);
        } finally {
            Files.deleteIfExists(scratch);
        }
        if (!report.isOk()) {
            throw new BuildFailedException("validate", "the new version is invalid:\n" + report.summary(), null);
        }
        manifest.validation.recall = report.recall;
        clock.stop();

        clock.start("publish");
        manifest.createdAt = Instant.now().toString();
        manifest.timingsMillis.putAll(clock.timings());
        storage.write(new Path(versionDir, Manifest.FILE_NAME), manifest.toJson());
        storage.write(new Path(versionDir, BundleLayout.SUCCESS), new byte[0]);
        String previous = storage.readPointer(layout.latest()).orElse(null);
        storage.movePointer(layout.latest(), version);
        clock.stop();
        LOG.info("published {} version {} (previous: {}); recall@{} {} ; stage timings ms: {}", config.indexName(),
                version, previous, config.k(), report.recall, clock.timings());
        return new BuildResult(versionDir.toString(), manifest, report, previous);
    }

    private Dataset<Row> readInput() {
        Dataset<Row> raw;
        try {
            raw = spark.read().parquet(config.inputPath());
        } catch (Exception e) {
            throw new IllegalArgumentException("cannot read input " + config.inputPath() + ": " + e.getMessage(), e);
        }
        InputSchema.check(raw.schema(), config.idColumn(), config.vectorColumn());
        return raw.select(col(config.idColumn()).cast("long").as("id"),
                col(config.vectorColumn()).cast("array<float>").as("vector"));
    }

    private int dimensionOf(Dataset<Row> input) {
        if (config.dimension() > 0) {
            return config.dimension();
        }
        List<Row> first = input.where(col("vector").isNotNull()).select(size(col("vector"))).limit(1).collectAsList();
        if (first.isEmpty()) {
            throw new IllegalArgumentException("input " + config.inputPath() + " has no rows with a vector");
        }
        int dimension = first.get(0).getInt(0);
        if (dimension <= 0) {
            throw new IllegalArgumentException("first vector of the input is empty");
        }
        return dimension;
    }

    /**
     * A seeded sample chosen by hash of (seed, id): the same rows whatever the input's file layout.
     * A hash filter keeps a little more than needed, then the smallest hashes are kept, sorted.
     */
    private long writeTrainingSample(Dataset<Row> input, long rows, long wanted, Path samplePath) {
        double margin = wanted + 6 * Math.sqrt(wanted) + 100;
        double fraction = Math.min(1.0, margin / rows);
        long buckets = 1L << 30;
        LOG.info("sampling {} training rows (seed {})", wanted, config.seed());
        input.withColumn("_h", xxhash64(lit(config.seed()), col("id")))
                .where(pmod(col("_h"), lit(buckets)).lt(lit((long) Math.ceil(fraction * buckets))))
                .orderBy(col("_h"), col("id"))
                .limit((int) wanted)
                .select("id", "vector")
                .write()
                .parquet(samplePath.toString());
        return spark.read().parquet(samplePath.toString()).count();
    }

    private TrainTask.Result train(Path samplePath, long sampleRows, int dimension, Path trainedPath) {
        TrainTask task = new TrainTask(new HadoopConf(hadoopConf), samplePath.toString(), sampleRows, dimension,
                config.factory(), config.metric(), trainingThreads(), trainedPath.toString());
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        jsc.setJobDescription("vecforge: train " + config.factory());
        return jsc.parallelize(List.of(0), 1).map(ignored -> task.run()).collect().get(0);
    }

    /** train.threads, else the executor's cores; 0 lets the task use every core of its machine. */
    private int trainingThreads() {
        if (config.trainThreads() > 0) {
            return config.trainThreads();
        }
        int executorCores = spark.sparkContext().getConf().getInt("spark.executor.cores", 0);
        if (executorCores > 0) {
            return executorCores;
        }
        return spark.sparkContext().isLocal() ? spark.sparkContext().defaultParallelism() : 0;
    }

    private float[] holdoutQueries(Dataset<Row> input, int dimension) {
        List<Row> picked = input.where(col("vector").isNotNull())
                .withColumn("_q", xxhash64(lit(config.seed() + 1), col("id")))
                .orderBy(col("_q"), col("id"))
                .limit(config.queries())
                .select("vector")
                .collectAsList();
        float[] queries = new float[picked.size() * dimension];
        for (int q = 0; q < picked.size(); q++) {
            List<Float> vector = picked.get(q).getList(0);
            if (vector.size() != dimension) {
                throw new IllegalArgumentException("a vector has " + vector.size() + " components, expected "
                        + dimension);
            }
            for (int j = 0; j < dimension; j++) {
                queries[q * dimension + j] = vector.get(j);
            }
        }
        return queries;
    }

    private List<ShardTask.Report> buildShards(Dataset<Row> input, Path versionDir, Path trainedPath,
            float[] queries) {
        int shards = config.shards();
        int threads = config.threadsPerTask() > 0 ? config.threadsPerTask()
                : spark.sparkContext().getConf().getInt("spark.task.cpus", 1);
        ShardTask task = new ShardTask(new HadoopConf(hadoopConf), versionDir.toString(), trainedPath.toString(),
                shards, config.batchRows(), threads, config.metric(), config.k());
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<float[]> sharedQueries = jsc.broadcast(queries);
        jsc.setJobDescription("vecforge: build " + shards + " shards");
        JavaPairRDD<Long, float[]> byShard = input.queryExecution().toRdd().toJavaRDD()
                .mapToPair(BuildJob::toPair)
                .repartitionAndSortWithinPartitions(new ShardPartitioner(shards));
        List<ShardTask.Report> reports = new ArrayList<>(byShard
                .mapPartitionsWithIndex((shard, rows) -> List.of(task.run(shard, rows, sharedQueries.value()))
                        .iterator(), true)
                .collect());
        reports.sort(Comparator.comparingInt(ShardTask.Report::shard));
        return reports;
    }

    private static Tuple2<Long, float[]> toPair(InternalRow row) {
        if (row.isNullAt(0)) {
            throw new IllegalArgumentException("a row has a null id");
        }
        long id = row.getLong(0);
        if (row.isNullAt(1)) {
            throw new InvalidRowException(id, "vector is null");
        }
        ArrayData vector = row.getArray(1);
        for (int j = 0; j < vector.numElements(); j++) {
            if (vector.isNullAt(j)) {
                throw new InvalidRowException(id, "component " + j + " is null");
            }
        }
        return new Tuple2<>(id, vector.toFloatArray());
    }

    private static Manifest.Shard shardEntry(ShardTask.Report report) {
        Manifest.Shard shard = new Manifest.Shard();
        shard.shard = report.shard();
        shard.file = BundleLayout.shardFileName(report.shard());
        shard.rows = report.rows();
        shard.bytes = report.digest().bytes();
        shard.crc32c = report.digest().crc32cHex();
        shard.minId = report.minId();
        shard.maxId = report.maxId();
        return shard;
    }

    private static FileDigest uploadFvecs(BundleStorage storage, Path target, float[] vectors, int n, int d)
            throws IOException {
        java.nio.file.Path local = Files.createTempFile("vecforge-queries-", ".fvecs");
        try {
            Fvecs.write(local, vectors, n, d);
            return storage.upload(local, target);
        } finally {
            Files.deleteIfExists(local);
        }
    }

    private static FileDigest uploadGroundTruth(BundleStorage storage, Path target, Neighbours exact)
            throws IOException {
        java.nio.file.Path local = Files.createTempFile("vecforge-groundtruth-", ".i64vecs");
        try {
            Fvecs.writeLongs(local, exact.ids(), exact.queries(), exact.k());
            return storage.upload(local, target);
        } finally {
            Files.deleteIfExists(local);
        }
    }

    private void abandonIfCreated(BundleStorage storage, Path versionDir) {
        if (!createdVersionDir) {
            return;
        }
        try {
            if (storage.exists(versionDir)) {
                storage.delete(versionDir);
                LOG.warn("removed unfinished version {}", versionDir);
            }
        } catch (IOException e) {
            LOG.warn("could not remove unfinished version {} (it has no _SUCCESS, so it is never served): {}",
                    versionDir, e.getMessage());
        }
    }

    /** The innermost cause's message: Spark wraps task failures several levels deep. */
    static String describe(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        return cause == e ? message : message + " (" + cause.getClass().getSimpleName() + ")";
    }

    /** Sends each id to its shard as {@link ShardAssignment} defines it. */
    static final class ShardPartitioner extends Partitioner {
        private static final long serialVersionUID = 1L;
        private final int shards;

        ShardPartitioner(int shards) {
            this.shards = shards;
        }

        @Override
        public int numPartitions() {
            return shards;
        }

        @Override
        public int getPartition(Object key) {
            return ShardAssignment.shardOf((Long) key, shards);
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof ShardPartitioner p && p.shards == shards;
        }

        @Override
        public int hashCode() {
            return shards;
        }
    }
}
