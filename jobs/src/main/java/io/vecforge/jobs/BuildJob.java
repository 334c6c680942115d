package io.vecforge.jobs;
import io.vecforge.jobs.config.BuildConfig;
import io.vecforge.jobs.input.IndexRows;
import io.vecforge.jobs.input.InputReader;
import io.vecforge.jobs.input.InputScan;
import io.vecforge.jobs.input.InputTable;
import io.vecforge.jobs.input.RowAccounting;
import io.vecforge.jobs.input.RowCheck;
import io.vecforge.jobs.publish.BuildCommit;
import io.vecforge.jobs.publish.DriftGuard;
import io.vecforge.jobs.sample.HoldoutFiles;
import io.vecforge.jobs.sample.HoldoutQueries;
import io.vecforge.jobs.shard.ShardStage;
import io.vecforge.jobs.shard.ShardTask;
import io.vecforge.jobs.train.TrainStage;
import io.vecforge.jobs.train.TrainingScheduler;
import io.vecforge.jobs.validate.ValidateStage;

import io.vecforge.Failure;
import io.vecforge.Versions;
import io.vecforge.writer.train.FactoryChooser;
import io.vecforge.writer.train.TrainingPlan;
import io.vecforge.bundle.BuildHeartbeat;
import io.vecforge.bundle.BundleLayout;
import io.vecforge.bundle.BundleStorage;
import io.vecforge.bundle.Manifest;
import io.vecforge.bundle.VersionCommit;
import io.vecforge.report.BuildReport;
import io.vecforge.validate.ValidationReport;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The nightly build, as a thin Spark driver over the stages: read and check the input, stage a
 * training sample, train in one task, build shards in parallel, validate, commit. Each stage
 * returns its result; {@link ManifestBuilder} collects them. Nothing is published unless every
 * stage succeeds; a failed build leaves only _FAILED (and any quarantined rows) in its version.
 */
public final class BuildJob {
    private static final Logger LOG = LoggerFactory.getLogger(BuildJob.class);

    private final SparkSession spark;
    private final BuildConfig config;
    private final Configuration hadoopConf;
    private final StageClock clock = new StageClock();
    private BundleStorage storage;
    private BundleLayout layout;
    private String version;
    private Path versionDir;
    private ManifestBuilder manifest;
    /** What LATEST named when the build started, and that version's manifest (null if nothing). */
    private String published;
    private Manifest previous;
    private boolean createdVersionDir;
    /** Set once _SUCCESS is written: from then on no error may delete the version or mark it failed. */
    private boolean staged;
    private InputScan.Result scan;
    private BuildHeartbeat heartbeat;
    private boolean publish = true;

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
        Path root = new Path(config.index().outputRoot());
        layout = new BundleLayout(root, config.index().name());
        try {
            storage = BundleStorage.forUri(root.toUri(), hadoopConf);
        } catch (IOException e) {
            throw new BuildFailedException("setup", Failure.FAILED,
                    "cannot open output root " + root + ": " + e.getMessage(), e);
        }
        BuildCommit.cleanAbandonedVersions(storage, layout);
        version = Versions.newVersionId(config.build().logicalDate(), Instant.now());
        versionDir = storage.qualify(layout.versionDir(version));
        manifest = new ManifestBuilder(config, version);
        LOG.info("building index '{}' version {} from {} into {}", config.index().name(), version,
                config.input().path(), versionDir);
        BuildFailedException failure;
        try {
            return build();
        } catch (BuildFailedException e) {
            failure = "?".equals(e.stage()) ? e.inStage(clock.current()) : e;
        } catch (Exception e) {
            failure = new BuildFailedException(clock.current(), Failure.FAILED, BuildFailedException.rootCause(e), e);
        } finally {
            stopHeartbeat();
        }
        LOG.error("{}", failure.getMessage());
        if (!staged && createdVersionDir) {
            BuildCommit.markFailed(new VersionCommit(storage, layout, version), failure);
        }
        throw failure;
    }

    private BuildResult build() throws Exception {
        TrainingScheduler.requireGpuIfDemanded(spark.sparkContext(), config); // before any work is spent
        clock.start("read");
        InputTable input = InputReader.open(spark, config, hadoopConf);
        Path inputPath = new Path(config.input().path());
        manifest.source(inputPath.getFileSystem(hadoopConf).makeQualified(inputPath).toString(), input.externalIds());
        published = VersionCommit.published(storage, layout).orElse(null);
        previous = published == null ? null : Manifest.fromJson(storage.read(new Path(layout.versionDir(published),
                Manifest.FILE_NAME)));
        DriftGuard drift = new DriftGuard(previous, version, config);
        clock.stop();

        clock.start("check");
        RowCheck check = new RowCheck(input, config.index().metric());
        long inputRows = input.raw().count(); // Parquet footers: no vector is read
        if (inputRows == 0) {
            throw BuildFailedException.of(Failure.INPUT_MISSING, "input " + config.input().path() + " has no rows");
        }
        createVersionDir();
        scan = InputScan.run(input, check, scanPlan(input, inputRows),
                new Path(new Path(versionDir, BundleLayout.WORK), "candidates"));
        RowAccounting rows = scan.accounting();
        String quarantine = rows.rejectedRows() > 0 ? BundleLayout.QUARANTINE : null;
        if (quarantine != null) {
            Path quarantinePath = new Path(versionDir, quarantine);
            check.writeQuarantine(rows, quarantinePath.toString());
            rows.checkTolerance(config.input().maxRejectedFraction(), check.samples(rows), quarantinePath.toString());
        }
        manifest.rows(rows, quarantine);
        IndexShape shape = shape(rows);
        drift.checkShape(shape.dimension(), shape.metric().configName());
        drift.checkCount(rows.acceptedRows());
        TrainStage training = new TrainStage(spark, config);
        TrainingPlan plan = training.plan(shape, rows.acceptedRows());
        try (IndexRows accepted = IndexRows.of(spark, input, check.accepted(shape.dimension()), versionDir,
                storage)) {
            manifest.idMap(accepted.idMapFiles());
            clock.stop();
            return buildFrom(accepted, rows.acceptedRows(), training, plan, shape, drift);
        }
    }

    /** From the accepted rows on: sample, train, hold-out queries, shards, validate, commit. */
    private BuildResult buildFrom(IndexRows rows, long acceptedRows, TrainStage training, TrainingPlan plan,
            IndexShape shape, DriftGuard drift) throws Exception {
        clock.start("sample");
        Path samplePath = new Path(new Path(versionDir, BundleLayout.WORK), "train-sample");
        Dataset<Row> candidates = scan.candidates() == null ? null : spark.read().parquet(scan.candidates().toString());
        long sampleRows = training.sample(candidates, scan.sampleBelow(), rows.rows(), acceptedRows, plan, shape,
                samplePath);
        clock.stop();

        clock.start("train");
        Path trainedPath = new Path(versionDir, BundleLayout.TRAINED_INDEX);
        manifest.training(training.train(samplePath, sampleRows, shape, trainedPath,
                training.reuse(published, previous, shape, layout)), sampleRows);
        clock.stop();

        clock.start("queries");
        float[] queries = HoldoutQueries.queries(candidates, scan.queryBelow(), rows.rows(), acceptedRows, shape,
                config.validate().queries(), config.train().seed());
        int queryCount = queries.length / shape.dimension();
        manifest.queries(HoldoutFiles.uploadQueries(storage, versionDir, queries, shape.dimension()), queryCount);
        clock.stop();

        clock.start("shards");
        ShardStage.Result shards = ShardStage.run(spark, rows.rows(), shardTask(trainedPath, shape, acceptedRows),
                config.index().shards(), queries, queryCount, config.validate().k(), shape.metric().smallerIsCloser());
        manifest.shards(shards);
        manifest.requireOneDispatch(config.build().simdLevel());
        shards.requireNoDuplicates(config.input().duplicates());
        drift.checkCount(manifest.requireBalanced());
        manifest.groundTruth(HoldoutFiles.uploadGroundTruth(storage, versionDir, shards.exact()), config.validate());
        clock.stop();

        clock.start("validate");
        storage.delete(new Path(versionDir, BundleLayout.WORK));
        ValidationReport report = ValidateStage.requireValid(spark, storage, versionDir, manifest.draft(),
                taskThreads());
        manifest.validated(report, config.validate().targetRecall());
        drift.checkRecall(report.recall);
        clock.stop();

        clock.start("report");
        writeReport(report.listSizes);
        clock.stop();

        clock.start("publish");
        VersionCommit commit = new VersionCommit(storage, layout, version);
        Manifest complete = manifest.complete(clock.timings());
        commit.stage(complete.toJson());
        staged = true;
        stopHeartbeat();
        if (publish) {
            BuildCommit.publish(commit, published == null ? "" : published);
        }
        clock.stop();
        LOG.info("{} {} version {} (published before: {}); recall@{} {}; rows: {}; stage timings ms: {}",
                publish ? "published" : "staged (not published)", config.index().name(), version, published,
                config.validate().k(), report.recall, complete.accounting.summary(), clock.timings());
        return new BuildResult(versionDir.toString(), complete, report, published, publish);
    }

    /** The build report is for people: a driver that cannot draw it (no fonts, say) still publishes. */
    private void writeReport(long[] listSizes) throws IOException {
        java.util.Map<String, byte[]> files;
        try {
            files = BuildReport.render(manifest.draft(), clock.timings(), listSizes);
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("no build report: drawing it failed ({})", BuildFailedException.rootCause(e));
            return;
        }
        manifest.reports(BuildReport.write(storage, versionDir, files));
    }

    /** OpenMP threads of a shard or validation task: build.threads-per-task, else spark.task.cpus. */
    private int taskThreads() {
        return config.build().threadsPerTask() > 0 ? config.build().threadsPerTask()
                : spark.sparkContext().getConf().getInt("spark.task.cpus", 1);
    }

    private ShardTask shardTask(Path trainedPath, IndexShape shape, long acceptedRows) {
        return new ShardTask(new HadoopConf(hadoopConf), new ShardTask.Spec(versionDir.toString(),
                trainedPath.toString(), config.index().shards(), config.build().batchRows(), taskThreads(), shape.metric(),
                config.validate().k(), config.input().duplicates(), acceptedRows, config.build().simdLevel()));
    }

    /**
     * What the input scan selects candidates for, before the rows are counted: the configured dimension
     * or the first row's, and the sample the factory would want for the input's row count.
     */
    private InputScan.Plan scanPlan(InputTable input, long inputRows) {
        int configured = config.input().dimension();
        int dimension = configured > 0 ? configured : firstDimension(input);
        long sampleRows = 0;
        try {
            String factory = config.index().autoFactory()
                    ? FactoryChooser.choose(inputRows, dimension, config.index().shards(), config.index().maxMemory())
                            .factory()
                    : config.index().factory();
            sampleRows = TrainingPlan.forFactory(factory, dimension, inputRows, config.train().maxSampleBytes(),
                    config.train().sampleRows()).sampleRows();
        } catch (IllegalArgumentException e) {
            // a factory Faiss cannot build fails with its own message later; no candidates to plan for
        }
        return new InputScan.Plan(dimension, configured > 0, inputRows, sampleRows, config.validate().queries(),
                config.train().seed());
    }

    private static int firstDimension(InputTable input) {
        Column vector = functions.col("`" + input.vectorColumn() + "`");
        List<Row> first = input.raw().where(vector.isNotNull()).select(functions.size(vector)).limit(1).collectAsList();
        return first.isEmpty() ? 0 : first.get(0).getInt(0);
    }

    /** The index's shape; index.factory=auto is resolved here, from the accepted rows and index.max-memory. */
    private IndexShape shape(RowAccounting rows) {
        BuildConfig.Index index = config.index();
        FactoryChooser.Choice auto = null;
        String factory = index.factory();
        if (index.autoFactory()) {
            try {
                auto = FactoryChooser.choose(rows.acceptedRows(), rows.dimension(), index.shards(), index.maxMemory());
            } catch (IllegalArgumentException e) {
                throw BuildFailedException.of(Failure.CONFIG, e.getMessage());
            }
            factory = auto.factory();
            LOG.info("index.factory=auto chose {}: {}", factory, auto.reasoning());
        }
        manifest.factory(factory, auto);
        return new IndexShape(rows.dimension(), factory, index.metric());
    }

    private void createVersionDir() throws IOException {
        if (storage.exists(versionDir)) {
            throw new IllegalStateException("version directory already exists: " + versionDir);
        }
        storage.mkdirs(versionDir);
        createdVersionDir = true;
        heartbeat = BuildHeartbeat.start(storage, versionDir);
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
}
