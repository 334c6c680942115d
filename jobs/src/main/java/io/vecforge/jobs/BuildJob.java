package io.vecforge.jobs;

import io.vecforge.Failure;
import io.vecforge.bundle.BundleLayout;
import io.vecforge.bundle.FileDigest;
import io.vecforge.bundle.Manifest;
import io.vecforge.bundle.s3.S3Settings;
import io.vecforge.jobs.config.BuildConfig;
import io.vecforge.jobs.input.IndexRows;
import io.vecforge.jobs.input.InputReader;
import io.vecforge.jobs.input.InputScan;
import io.vecforge.jobs.input.InputTable;
import io.vecforge.jobs.input.RowAccounting;
import io.vecforge.jobs.input.RowCheck;
import io.vecforge.jobs.input.ShuffledScan;
import io.vecforge.jobs.publish.DriftGuard;
import io.vecforge.jobs.publish.VersionDraft;
import io.vecforge.jobs.sample.HoldoutFiles;
import io.vecforge.jobs.sample.HoldoutQueries;
import io.vecforge.jobs.sample.ScanCandidates;
import io.vecforge.jobs.sample.TrainingSample;
import io.vecforge.jobs.shard.ShardStage;
import io.vecforge.jobs.shard.ShardTask;
import io.vecforge.jobs.train.TrainStage;
import io.vecforge.jobs.train.TrainTask;
import io.vecforge.jobs.train.TrainingScheduler;
import io.vecforge.jobs.validate.ValidateStage;
import io.vecforge.report.BuildReport;
import io.vecforge.validate.ValidationReport;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The nightly build, as a straight-line Spark driver over the stages (one package each): read and
 * check the input, sample, train in one task, build shards in parallel, validate, publish. Each
 * stage takes the config section it needs and returns a typed result; the manifest is assembled
 * from them at the end ({@link ManifestBuilder}). Nothing is published unless every stage
 * succeeds; the version's state on storage is owned by its {@link VersionDraft}.
 */
public final class BuildJob {
    private static final Logger LOG = LoggerFactory.getLogger(BuildJob.class);

    private final SparkSession spark;
    private final BuildConfig config;
    private final Configuration hadoopConf;
    private final boolean publish;
    private final long startupMillis;

    public BuildJob(SparkSession spark, BuildConfig config) {
        this(spark, config, true, -1);
    }

    private BuildJob(SparkSession spark, BuildConfig config, boolean publish, long startupMillis) {
        this.spark = spark;
        this.config = config;
        this.hadoopConf = spark.sparkContext().hadoopConfiguration();
        S3Settings.fillFromEnvironment(hadoopConf, System.getenv());
        this.publish = publish;
        this.startupMillis = startupMillis;
    }

    /** Leaves the new version complete and validated but unpublished: `vecforge publish` promotes it. */
    public BuildJob withoutPublishing() {
        return new BuildJob(spark, config, false, startupMillis);
    }

    /** Records the time from the process's start to this build (a command that started a JVM for it) as "startup". */
    public BuildJob afterStartup(long millis) {
        return new BuildJob(spark, config, publish, millis);
    }

    /** Builds, validates and publishes a new version; returns its manifest. */
    public BuildResult run() {
        if (config.delta().enabled()) {
            throw new IllegalStateException("build.mode=delta is io.vecforge.jobs.delta.DeltaBuildJob's");
        }
        StageClock clock = new StageClock(spark.sparkContext());
        if (startupMillis >= 0) {
            clock.recordStartup(startupMillis);
        }
        VersionDraft draft = VersionDraft.open(config, hadoopConf);
        LOG.info("building index '{}' version {} from {} into {}", config.index().name(), draft.version(),
                config.input().path(), draft.dir());
        try (SparkStageLog sparkStages = SparkStageLog.listen(spark.sparkContext())) {
            return draft.runStages(clock, (d, c) -> build(d, c, sparkStages));
        }
    }

    private BuildResult build(VersionDraft draft, StageClock clock, SparkStageLog sparkStages) throws Exception {
        TrainingScheduler.requireGpuIfDemanded(spark.sparkContext(), config); // before any work is spent
        clock.start("read");
        InputTable input = InputReader.open(spark, config, hadoopConf);
        Path inputPath = new Path(config.input().path());
        String sourcePath = inputPath.getFileSystem(hadoopConf).makeQualified(inputPath).toString();
        Published published = Published.read(draft.storage(), draft.layout());
        DriftGuard drift = new DriftGuard(published, draft.version(), config.publish());
        clock.stop();

        clock.start("check");
        long inputRows = input.rows();
        if (inputRows == 0) {
            throw BuildFailedException.of(Failure.INPUT_MISSING, "input " + config.input().path() + " has no rows");
        }
        draft.create();
        // The plan needs the dimension: the configured one, else the footers' or the first row's, checked against
        // the rows below.
        int configured = config.input().dimension();
        int guessed = configured > 0 ? configured : input.guessedDimension(hadoopConf);
        BuildPlan guess = guessed > 0 ? BuildPlan.resolve(config, guessed, inputRows) : null;
        RowCheck check = new RowCheck(input, config.index().metric());
        InputScan.Plan scanPlan = new InputScan.Plan(guessed, configured > 0, inputRows,
                guess == null ? 0 : guess.training().sampleRows(), config.validate().queries(), config.train().seed());
        // One pass: the checks, the candidates and the shard shuffle's map side; else the scan alone, and the
        // shard stage reads the input again.
        ShuffledScan.Result shuffled = ShuffledScan.serves(input, scanPlan) ? ShuffledScan.run(spark, input, check,
                scanPlan, draft.work("scan-candidates"), config.index().shards()) : null;
        InputScan.Result scan = shuffled != null ? new InputScan.Result(shuffled.accounting(), null, scanPlan)
                : InputScan.run(input, check, scanPlan, draft.work("candidates"));
        // the one-read scan's candidates serve only a plan made for the dimension the rows turned out to have
        ScanCandidates scanCandidates = shuffled != null && scan.accounting().dimension() == scanPlan.dimension()
                ? shuffled.candidates() : null;
        RowAccounting rows = scan.accounting();
        String quarantine = rows.rejectedRows() > 0 ? BundleLayout.QUARANTINE : null;
        if (quarantine != null) {
            Path quarantinePath = new Path(draft.dir(), quarantine);
            check.writeQuarantine(rows, quarantinePath.toString());
            rows.checkTolerance(config.input().maxRejectedFraction(), check.samples(rows), quarantinePath.toString());
        }
        BuildPlan plan = guess != null && guess.dimension() == rows.dimension() ? guess
                : BuildPlan.resolve(config, rows.dimension(), inputRows); // most rows disagree with the first
        drift.checkShape(plan.shape());
        // With nothing rejected the input is the accepted rows: the shard stage need not run the value checks
        // again (its own checks of each row stay, and the row accounting must still balance at the end).
        Dataset<Row> acceptedRows = rows.rejectedRows() == 0 ? input.raw() : check.accepted(plan.dimension());
        try (IndexRows accepted = IndexRows.of(spark, input, acceptedRows, draft.dir(), draft.storage())) {
            clock.stop();

            clock.start("sample");
            TrainStage training = new TrainStage(spark, config);
            Path samplePath = draft.work("train-sample");
            Dataset<Row> candidates = scan.candidates() == null ? null
                    : spark.read().parquet(scan.candidates().toString());
            TrainingSample.Staged sample = scanCandidates != null
                    ? training.sample(scanCandidates, accepted.rows(), rows.acceptedRows(), plan, samplePath)
                    : training.sample(candidates, scan.candidates(), scan.sampleBelow(), accepted.rows(),
                            rows.acceptedRows(), plan, samplePath);
            long sampleRows = sample.count();
            clock.stop();

            clock.start("train");
            Path trainedPath = new Path(draft.dir(), BundleLayout.TRAINED_INDEX);
            TrainTask.Result trained = training.train(sample, plan, trainedPath,
                    training.reuse(published, plan, draft.layout()));
            plan = plan.trained(trained.factory());
            clock.stop();

            clock.start("queries");
            float[] queries = scanCandidates != null
                    ? HoldoutQueries.queries(scanCandidates, accepted.rows(), rows.acceptedRows(), plan.shape(),
                            config.validate().queries(), config.train().seed())
                    : HoldoutQueries.queries(candidates, scan.queryBelow(), accepted.rows(), rows.acceptedRows(),
                            plan.shape(), config.validate().queries(), config.train().seed());
            int queryCount = queries.length / plan.dimension();
            var queriesFile = HoldoutFiles.uploadQueries(draft.storage(), draft.dir(), queries, plan.dimension());
            clock.stop();

            clock.start("shards");
            ShardTask shardTask = shardTask(draft, trainedPath, trained.digest(), plan.shape(), rows.acceptedRows());
            int depth = config.validate().groundTruthDepth();
            boolean smallerIsCloser = plan.shape().metric().smallerIsCloser();
            ShardStage.Result shards = shuffled != null && plan.dimension() == scanPlan.dimension()
                    ? ShardStage.build(spark, shuffled.shuffle(), shardTask, config.index().shards(), queries,
                            queryCount, depth, smallerIsCloser)
                    : ShardStage.run(spark, accepted.rows(), shardTask, config.index().shards(), queries, queryCount,
                            depth, smallerIsCloser);
            shards.requireOneDispatch(trained.dispatch(), config.build().simdLevel());
            shards.requireNoDuplicates(config.input().duplicates());
            long indexedRows = shards.requireBalanced(rows);
            HoldoutFiles.GroundTruth groundTruth = HoldoutFiles.uploadGroundTruth(draft.storage(), draft.dir(),
                    shards.exact());
            ManifestBuilder manifest = new ManifestBuilder(config, new BuildOutputs(draft.version(), published,
                    sourcePath, input.externalIds(), rows, quarantine, plan, accepted.idMapFiles(), trained, sampleRows,
                    queriesFile, queryCount, shards, groundTruth));
            clock.stop();

            clock.start("validate");
            draft.storage().delete(new Path(draft.dir(), BundleLayout.WORK));
            ValidationReport report = ValidateStage.requireValid(spark, draft.storage(), draft.dir(), manifest.draft(),
                    taskThreads(), config.validate().targetRecall());
            drift.checkResult(indexedRows, report.recall);
            clock.stop();

            clock.start("report");
            List<Manifest.BundleFile> reportFiles = writeReport(draft,
                    manifest.validated(report, sparkStages.stages()), clock.timings(), report.listSizes);
            clock.stop();

            clock.start("publish");
            Manifest complete = manifest.complete(report, reportFiles, clock.timings(), sparkStages.stages());
            draft.stage(complete.toJson());
            if (publish) {
                draft.publish(published.expectedLatest());
            }
            clock.stop();
            LOG.info("{} {} version {} (published before: {}); recall@{} {}; rows: {}; stage timings ms: {}",
                    publish ? "published" : "staged (not published)", config.index().name(), draft.version(),
                    published.version(), config.validate().k(), report.recall, complete.accounting().summary(),
                    clock.timings());
            return new BuildResult(draft.dir().toString(), complete, report, published.version(), publish);
        }
    }

    /** The build report is for people: a driver that cannot draw it (no fonts, say) still publishes. */
    public static List<Manifest.BundleFile> writeReport(VersionDraft draft, Manifest manifest,
            Map<String, Long> timings, long[] listSizes) throws IOException {
        Map<String, byte[]> files;
        try {
            files = BuildReport.render(manifest, timings, listSizes);
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("no build report: drawing it failed ({})", BuildFailedException.rootCause(e));
            return List.of();
        }
        return BuildReport.write(draft.storage(), draft.dir(), files);
    }

    /** OpenMP threads of a shard or validation task: build.threads-per-task, else spark.task.cpus. */
    private int taskThreads() {
        return config.build().threadsPerTask() > 0 ? config.build().threadsPerTask()
                : spark.sparkContext().getConf().getInt("spark.task.cpus", 1);
    }

    private ShardTask shardTask(VersionDraft draft, Path trainedPath, FileDigest trained, IndexShape shape,
            long acceptedRows) {
        return new ShardTask(HadoopConf.forTasks(spark.sparkContext()), new ShardTask.Spec(draft.dir().toString(),
                trainedPath.toString(), trained, config.index().shards(), config.build().batchRows(), taskThreads(),
                shape.metric(), config.validate().groundTruthDepth(), config.input().duplicates(), acceptedRows,
                config.build().simdLevel()));
    }
}
