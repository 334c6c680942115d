package io.vecforge.jobs;

import io.vecforge.Failure;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.xxhash64;

import io.vecforge.build.DuplicatePolicy;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.storage.StorageLevel;
import scala.collection.JavaConverters;
import io.vecforge.Versions;
import io.vecforge.bundle.BuildHeartbeat;
import io.vecforge.build.InvalidRowException;
import io.vecforge.faiss.Neighbours;
import io.vecforge.build.TrainingPlan;
import io.vecforge.bundle.BundleLayout;
import io.vecforge.bundle.BundleStorage;
import io.vecforge.bundle.CommitFailedException;
import io.vecforge.bundle.CommitStateUnknownException;
import io.vecforge.bundle.ConcurrentPublishException;
import io.vecforge.bundle.IndexLifecycle;
import io.vecforge.bundle.VersionCommit;
import io.vecforge.bundle.FileDigest;
import io.vecforge.bundle.Manifest;
import io.vecforge.bundle.ShardAssignment;
import io.vecforge.bundle.StorageEntry;
import io.vecforge.bundle.Fvecs;
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
 * Nothing is published unless every stage succeeds; a failed build leaves only _FAILED (and any
 * quarantined rows) in its version directory.
 */
public final class BuildJob {
    private static final Logger LOG = LoggerFactory.getLogger(BuildJob.class);

    private final SparkSession spark;
    private final BuildConfig config;
    private final Configuration hadoopConf;
    private final StageClock clock = new StageClock();
    private boolean createdVersionDir;
    /** Set once _SUCCESS is written: from then on no error may delete the version or mark it failed. */
    private boolean staged;
    private BuildHeartbeat heartbeat;
    private boolean publish = true;
    private Dataset<Row> mappedRows;

    public BuildJob(SparkSession spark, BuildConfig config) {
        this.spark = spark;
        this.config = config;
        this.hadoopConf = spark.sparkContext().hadoopConfiguration();
    }

    /** Leaves the new version complete and validated but unpublished: `vecforge publish` promotes it. */
    public BuildJob withoutPublishing() {
        publish = false;
        return this;
    }

    /** Builds, validates and publishes a new version; returns its manifest. */
    public BuildResult run() {
        Path root = new Path(config.outputRoot());
        BundleLayout layout = new BundleLayout(root, config.indexName());
        BundleStorage storage;
        try {
            storage = BundleStorage.forUri(root.toUri(), hadoopConf);
        } catch (IOException e) {
            throw new BuildFailedException("setup", Failure.FAILED,
                    "cannot open output root " + root + ": " + e.getMessage(), e);
        }
        cleanAbandonedVersions(storage, layout);
        String version = Versions.newVersionId(config.logicalDate(), Instant.now());
        Path versionDir = storage.qualify(layout.versionDir(version));
        LOG.info("building index '{}' version {} from {} into {}", config.indexName(), version, config.inputPath(),
                versionDir);
        BuildFailedException failure;
        try {
            return build(storage, layout, version, versionDir);
        } catch (BuildFailedException e) {
            failure = "?".equals(e.stage()) ? e.inStage(clock.current()) : e;
        } catch (Exception e) {
            failure = new BuildFailedException(clock.current(), Failure.FAILED, describe(e), e);
        } finally {
            if (mappedRows != null) {
                mappedRows.unpersist();
            }
            stopHeartbeat();
        }
        if (staged) {
            LOG.error("{}", failure.getMessage());
        } else {
            markFailed(storage, layout, version, failure);
        }
        throw failure;
    }

    private BuildResult build(BundleStorage storage, BundleLayout layout, String version, Path versionDir)
            throws Exception {
        Manifest manifest = new Manifest();
        manifest.indexName = config.indexName();
        manifest.version = version;
        manifest.vecforgeVersion = Versions.vecforge();
        manifest.faissVersion = FaissIndex.faissVersion();
        manifest.vectors.factory = config.factory();
        manifest.vectors.metric = config.metric().configName();
        manifest.training.seed = config.seed();
        manifest.sharding.shards = config.shards();
        Manifest.Accounting accounting = manifest.accounting;
        accounting.maxRejectedFraction = config.maxRejectedFraction();
        accounting.duplicatePolicy = config.duplicatePolicy().configName();
        accounting.orderColumn = config.orderColumn();

        TrainingScheduler.requireGpuIfDemanded(spark.sparkContext(), config); // before any work is spent

        clock.start("read");
        InputTable input = InputReader.open(spark, config, hadoopConf);
        Path inputPath = new Path(config.inputPath());
        manifest.source.path = inputPath.getFileSystem(hadoopConf).makeQualified(inputPath).toString();
        manifest.source.idColumn = String.join(",", config.idColumns());
        manifest.source.vectorColumn = config.vectorColumn();
        manifest.ids.external = input.externalIds();
        manifest.ids.columns = config.idColumns();
        Optional<String> published = VersionCommit.published(storage, layout);
        DriftGuard drift = new DriftGuard(published.isPresent() ? readManifest(storage, layout, published.get())
                : null, version, config);
        clock.stop();

        clock.start("check");
        RowCheck check = new RowCheck(input, config.metric());
        RowAccounting rows = check.count(config.dimension());
        if (rows.inputRows() == 0) {
            throw BuildFailedException.of(Failure.INPUT_MISSING, "input " + config.inputPath() + " has no rows");
        }
        int dimension = rows.dimension();
        accounting.inputRows = rows.inputRows();
        accounting.rejectedRows = rows.rejectedRows();
        accounting.rejected.putAll(rows.rejected());
        manifest.vectors.dimension = dimension;
        if (storage.exists(versionDir)) {
            throw new IllegalStateException("version directory already exists: " + versionDir);
        }
        storage.mkdirs(versionDir);
        createdVersionDir = true;
        heartbeat = BuildHeartbeat.start(storage, versionDir);
        if (rows.rejectedRows() > 0) {
            accounting.quarantine = BundleLayout.QUARANTINE;
            check.writeQuarantine(rows, new Path(versionDir, BundleLayout.QUARANTINE).toString());
            checkTolerance(rows, check.samples(rows), new Path(versionDir, BundleLayout.QUARANTINE));
        }
        drift.checkShape(dimension, config.metric().configName());
        drift.checkCount(rows.acceptedRows());
        TrainingPlan plan = trainingPlan(dimension, rows.acceptedRows());
        Dataset<Row> indexRows = indexRows(input, check.accepted(dimension), versionDir, manifest, storage);
        clock.stop();

        clock.start("sample");
        Path work = new Path(versionDir, BundleLayout.WORK);
        Path samplePath = new Path(work, "train-sample");
        long sampleRows = writeTrainingSample(indexRows, rows.acceptedRows(), plan.sampleRows(), samplePath);
        if (sampleRows < plan.minimumRows()) {
            throw BuildFailedException.of(Failure.CONFIG, "training sample has " + sampleRows
                    + " rows, below the " + plan.minimumRows() + " '" + config.factory() + "' needs");
        }
        manifest.training.sampleRows = sampleRows;
        clock.stop();

        clock.start("train");
        Path trainedPath = new Path(versionDir, BundleLayout.TRAINED_INDEX);
        TrainTask.Result trained = train(samplePath, sampleRows, dimension, trainedPath);
        manifest.training.trainedIndexFile = BundleLayout.TRAINED_INDEX;
        manifest.training.trainer = trained.device().trainer();
        manifest.training.device = trained.device().device();
        manifest.training.note = trained.device().note();
        manifest.training.millis = trained.millis();
        manifest.runtime.trainExecutor = trained.executor();
        manifest.runtime.trainGpus.addAll(trained.gpus());
        manifest.files.add(new Manifest.BundleFile("trained-index", BundleLayout.TRAINED_INDEX, trained.digest()));
        clock.stop();

        clock.start("queries");
        float[] queries = holdoutQueries(indexRows, dimension);
        int queryCount = queries.length / dimension;
        manifest.files.add(new Manifest.BundleFile("holdout-queries", BundleLayout.QUERIES,
                uploadFvecs(storage, new Path(versionDir, BundleLayout.QUERIES), queries, queryCount, dimension)));
        clock.stop();

        clock.start("shards");
        List<ShardTask.Report> reports = buildShards(indexRows, versionDir, trainedPath, queries);
        Neighbours exact = new Neighbours(queryCount, config.k(), config.metric().smallerIsCloser());
        for (ShardTask.Report report : reports) {
            manifest.shards.add(shardEntry(report));
            recordExecutorUse(manifest.runtime, report);
            exact.merge(report.exact());
            accounting.duplicatesDropped += report.duplicates();
        }
        accounting.indexedRows = manifest.shardRows();
        manifest.source.acceptedRows = accounting.indexedRows;
        checkDuplicates(reports, accounting.duplicatesDropped);
        if (!accounting.balances()) {
            throw new IllegalStateException(String.format(Locale.ROOT,
                    "rows lost: input %d != indexed %d + rejected %d + duplicates dropped %d", accounting.inputRows,
                    accounting.indexedRows, accounting.rejectedRows, accounting.duplicatesDropped));
        }
        drift.checkCount(accounting.indexedRows);
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
            throw BuildFailedException.of(Failure.INVALID_BUNDLE,
                    "the new version is invalid:\n" + report.summary());
        }
        manifest.validation.recall = report.recall;
        drift.checkRecall(report.recall);
        clock.stop();

        clock.start("publish");
        manifest.createdAt = Instant.now().toString();
        manifest.timingsMillis.putAll(clock.timings());
        manifest.contentHash = manifest.computeContentHash();
        VersionCommit commit = new VersionCommit(storage, layout, version);
        commit.stage(manifest.toJson());
        staged = true;
        stopHeartbeat();
        if (publish) {
            publish(commit, published.orElse(""));
        }
        clock.stop();
        LOG.info("{} {} version {} (published before: {}); recall@{} {}; rows: {}; stage timings ms: {}",
                publish ? "published" : "staged (not published)", config.indexName(), version,
                published.orElse(null), config.k(), report.recall, describe(accounting), clock.timings());
        return new BuildResult(versionDir.toString(), manifest, report, published.orElse(null), publish);
    }

    /**
     * Moves LATEST to the staged version. Whatever happens here, the version is complete and is
     * never marked failed: it stays staged, or it is (or may be) the one LATEST names.
     */
    private static void publish(VersionCommit commit, String expectedCurrent) throws IOException {
        try {
            commit.publish(expectedCurrent, "build");
        } catch (ConcurrentPublishException e) {
            throw BuildFailedException.of(Failure.CONCURRENT_PUBLISH, e.getMessage());
        } catch (CommitStateUnknownException e) {
            throw BuildFailedException.of(Failure.COMMIT_STATE_UNKNOWN, e.getMessage());
        } catch (CommitFailedException e) {
            throw BuildFailedException.of(Failure.FAILED, e.getMessage()
                    + "; the version stays staged (complete and valid): `vecforge publish` can promote it");
        }
    }

    /** Versions whose driver was killed mid-build are deleted by the next build of the index. */
    private static void cleanAbandonedVersions(BundleStorage storage, BundleLayout layout) {
        try {
            List<String> deleted = new IndexLifecycle(storage, layout).cleanAbandoned(Instant.now());
            if (!deleted.isEmpty()) {
                LOG.warn("deleted {} version(s) left incomplete by killed builds: {}", deleted.size(), deleted);
            }
        } catch (IOException e) {
            LOG.warn("could not look for versions left by killed builds in {}: {}", layout.indexDir(), e.getMessage());
        }
    }

    private void stopHeartbeat() {
        if (heartbeat == null) {
            return;
        }
        try {
            heartbeat.close();
        } catch (IOException e) {
            LOG.warn("could not remove the build heartbeat: {}", e.getMessage());
        }
        heartbeat = null;
    }

    /** input = indexed + rejected (by reason) + duplicates dropped, as one line. */
    public static String describe(Manifest.Accounting a) {
        return String.format(Locale.ROOT, "input %,d = indexed %,d + rejected %,d %s + duplicates dropped %,d",
                a.inputRows, a.indexedRows, a.rejectedRows, a.rejected, a.duplicatesDropped);
    }

    private static Manifest readManifest(BundleStorage storage, BundleLayout layout, String version)
            throws IOException {
        return Manifest.fromJson(storage.read(new Path(layout.versionDir(version), Manifest.FILE_NAME)));
    }

    private void checkTolerance(RowAccounting rows, Map<String, List<String>> samples, Path quarantine) {
        double fraction = rows.rejectedRows() / (double) rows.inputRows();
        if (rows.acceptedRows() == 0 || fraction > config.maxRejectedFraction()) {
            throw BuildFailedException.of(Failure.BAD_ROWS, String.format(Locale.ROOT,
                    "%,d of %,d rows rejected (%.4f%%), above input.max-rejected-fraction=%s: %s; rejected rows are"
                            + " in %s",
                    rows.rejectedRows(), rows.inputRows(), 100 * fraction, config.get("input.max-rejected-fraction"),
                    rows.describeRejections(samples), quarantine));
        }
        LOG.warn("{} of {} rows rejected, within input.max-rejected-fraction={}: {}", rows.rejectedRows(),
                rows.inputRows(), config.get("input.max-rejected-fraction"), rows.rejected());
    }

    private void checkDuplicates(List<ShardTask.Report> reports, long duplicates) {
        if (duplicates == 0 || config.duplicatePolicy() != DuplicatePolicy.FAIL) {
            return;
        }
        List<Long> samples = reports.stream().flatMap(r -> r.duplicateSamples().stream()).limit(10).toList();
        throw BuildFailedException.of(Failure.DUPLICATE_INPUT_IDS, String.format(Locale.ROOT,
                "%,d rows repeat an id already seen (input.duplicates=fail); e.g. ids %s. Set input.duplicates to"
                        + " keep-first or keep-latest with input.order-column to keep one row per id",
                duplicates, samples));
    }

    private TrainingPlan trainingPlan(int dimension, long rows) {
        try {
            FaissIndex.create(dimension, config.factory(), config.metric()).close(); // fail fast on a bad factory
            return TrainingPlan.forFactory(config.factory(), dimension, rows, config.maxSampleBytes(),
                    config.sampleRows());
        } catch (IllegalArgumentException e) {
            throw BuildFailedException.of(Failure.CONFIG, e.getMessage());
        }
    }

    /**
     * (id, vector, order) of the accepted rows, the shape every later stage reads. External ids are
     * mapped to dense int64 ids here and the map is published with the bundle.
     */
    private Dataset<Row> indexRows(InputTable input, Dataset<Row> accepted, Path versionDir, Manifest manifest,
            BundleStorage storage) throws IOException {
        Column vector = col("`" + input.vectorColumn() + "`").cast("array<float>").as("vector");
        Column order = orderColumn(input);
        if (!input.externalIds()) {
            return accepted.select(col("`" + input.idColumns().get(0) + "`").cast("long").as("id"), vector, order);
        }
        Dataset<Row> map = ExternalIds.assign(spark, accepted, input.idColumns());
        Path mapDir = new Path(versionDir, BundleLayout.ID_MAP);
        map.orderBy(ExternalIds.ID).write().parquet(mapDir.toString());
        for (StorageEntry file : storage.list(mapDir)) {
            if (file.name().endsWith(".parquet")) {
                String relative = BundleLayout.ID_MAP + "/" + file.name();
                manifest.files.add(new Manifest.BundleFile("id-map", relative, storage.digest(file.path())));
            } else {
                storage.delete(file.path());
            }
        }
        manifest.ids.mapDir = BundleLayout.ID_MAP;
        mappedRows = accepted.join(map, JavaConverters.asScalaBuffer(input.idColumns()).toSeq())
                .select(col(ExternalIds.ID).as("id"), vector, order)
                .persist(StorageLevel.DISK_ONLY());
        return mappedRows;
    }

    private static Column orderColumn(InputTable input) {
        if (input.orderColumn() == null) {
            return lit(0L).as("order");
        }
        Column column = col("`" + input.orderColumn() + "`");
        DataType type = input.raw().schema().apply(input.orderColumn()).dataType();
        if (type.equals(DataTypes.TimestampType)) {
            return functions.unix_micros(column).as("order");
        }
        if (type.equals(DataTypes.DateType)) {
            return functions.unix_date(column).cast("long").as("order");
        }
        return column.cast("long").as("order");
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

    private TrainTask.Result train(Path samplePath, long sampleRows, int dimension, Path trainedPath)
            throws Exception {
        int threads = trainingThreads();
        TrainTask task = new TrainTask(new HadoopConf(hadoopConf), samplePath.toString(), sampleRows, dimension,
                config.factory(), config.metric(), threads, trainedPath.toString(), config.trainer(),
                config.gpuResource());
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        return new TrainingScheduler(jsc, config).run(task, Math.max(1, threads));
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
        List<Row> picked = input
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
        config.metric().prepare(queries, dimension);
        return queries;
    }

    private List<ShardTask.Report> buildShards(Dataset<Row> input, Path versionDir, Path trainedPath,
            float[] queries) {
        int shards = config.shards();
        int threads = config.threadsPerTask() > 0 ? config.threadsPerTask()
                : spark.sparkContext().getConf().getInt("spark.task.cpus", 1);
        ShardTask task = new ShardTask(new HadoopConf(hadoopConf), versionDir.toString(), trainedPath.toString(),
                shards, config.batchRows(), threads, config.metric(), config.k(), config.duplicatePolicy());
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<float[]> sharedQueries = jsc.broadcast(queries);
        jsc.setJobDescription("vecforge: build " + shards + " shards");
        JavaPairRDD<RowKey, float[]> byShard = input.queryExecution().toRdd().toJavaRDD()
                .mapToPair(BuildJob::toPair)
                .repartitionAndSortWithinPartitions(new ShardPartitioner(shards), RowKey.ORDER);
        List<ShardTask.Report> reports;
        try {
            reports = new ArrayList<>(byShard
                    .mapPartitionsWithIndex((shard, rows) -> List.of(task.run(shard, rows, sharedQueries.value()))
                            .iterator(), true)
                    .collect());
        } finally {
            jsc.setJobDescription(null);
        }
        reports.sort(Comparator.comparingInt(ShardTask.Report::shard));
        return reports;
    }

    /** (id, vector, order) of an accepted row; the checks repeat the row check's, as a safety net. */
    private static Tuple2<RowKey, float[]> toPair(InternalRow row) {
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
        return new Tuple2<>(new RowKey(id, row.getLong(2)), vector.toFloatArray());
    }

    private static void recordExecutorUse(Manifest.Runtime runtime, ShardTask.Report report) {
        Manifest.ExecutorUse use = runtime.executors.computeIfAbsent(report.executor(),
                ignored -> new Manifest.ExecutorUse());
        use.shardTasks++;
        runtime.shardTaskMillis += report.millis();
        runtime.shardUploadMillis += report.uploadMillis();
        use.peakRssBytes = Math.max(use.peakRssBytes, report.peakRssBytes());
        use.peakNativeHeapBytes = Math.max(use.peakNativeHeapBytes, report.nativeHeapBytes());
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

    /**
     * Leaves a failed version that can never look complete: its files are deleted, the quarantined
     * rows are kept for inspection, and _FAILED records why.
     */
    private void markFailed(BundleStorage storage, BundleLayout layout, String version, BuildFailedException failure) {
        LOG.error("{}", failure.getMessage());
        if (!createdVersionDir) {
            return;
        }
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("stage", failure.stage());
        record.put("failure", failure.failure().name());
        record.put("exitCode", failure.failure().exitCode());
        record.put("message", failure.detail());
        record.put("failedAt", Instant.now().toString());
        try {
            new VersionCommit(storage, layout, version).fail(record);
            LOG.warn("version {} marked failed; nothing was published", version);
        } catch (IOException | RuntimeException e) {
            LOG.warn("could not mark version {} failed (it has no _SUCCESS, so it is never served): {}", version,
                    e.getMessage());
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
            return ShardAssignment.shardOf(((RowKey) key).id(), shards);
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
