package io.vecforge.jobs.delta;

import io.vecforge.Failure;
import io.vecforge.Versions;
import io.vecforge.bundle.BundleLayout;
import io.vecforge.bundle.BundleReader;
import io.vecforge.bundle.BundleStorage;
import io.vecforge.bundle.FileDigest;
import io.vecforge.bundle.Fvecs;
import io.vecforge.bundle.Manifest;
import io.vecforge.bundle.Manifest.FileRole;
import io.vecforge.bundle.VersionName;
import io.vecforge.bundle.s3.S3Settings;
import io.vecforge.faiss.FaissIndex;
import io.vecforge.faiss.Metric;
import io.vecforge.jobs.BuildFailedException;
import io.vecforge.jobs.BuildResult;
import io.vecforge.jobs.HadoopConf;
import io.vecforge.jobs.Published;
import io.vecforge.jobs.StageClock;
import io.vecforge.jobs.config.BuildConfig;
import io.vecforge.jobs.input.InputReader;
import io.vecforge.jobs.input.InputTable;
import io.vecforge.jobs.publish.DriftGuard;
import io.vecforge.jobs.publish.VersionDraft;
import io.vecforge.jobs.sample.HoldoutFiles;
import io.vecforge.jobs.validate.ValidateStage;
import io.vecforge.validate.NprobeSweep;
import io.vecforge.validate.ValidationReport;
import io.vecforge.writer.shard.ShardPatcher;
import io.vecforge.writer.train.QuantizerFit;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A delta build (build.mode=delta): applies a day's upserts and deletes to a base version (the
 * published one unless delta.base names another) without retraining or re-adding the rest. The
 * base's trained index and hold-out queries are carried over; each shard the delta touches is
 * patched, every other shard is copied byte for byte; the ground truth is updated exactly
 * ({@link GroundTruthUpdate}); then the new version is validated and published like a full build's.
 */
public final class DeltaBuildJob {
    private static final Logger LOG = LoggerFactory.getLogger(DeltaBuildJob.class);

    private final SparkSession spark;
    private final BuildConfig config;
    private final Configuration hadoopConf;
    private final boolean publish;
    /** The checked delta rows, persisted for the build's passes over them; released when it ends. */
    private DeltaRows deltaRows;
    /** The external keys' mapping, when the index maps them; released with the rows. */
    private DeltaIds.Mapped idMapping;

    public DeltaBuildJob(SparkSession spark, BuildConfig config, boolean publish) {
        this.spark = spark;
        this.config = config;
        this.hadoopConf = spark.sparkContext().hadoopConfiguration();
        S3Settings.fillFromEnvironment(hadoopConf, System.getenv());
        this.publish = publish;
    }

    public BuildResult run() {
        StageClock clock = new StageClock();
        VersionDraft draft = VersionDraft.open(config, hadoopConf);
        LOG.info("delta build of index '{}' version {} from {} into {}", config.index().name(), draft.version(),
                config.input().path(), draft.dir());
        return draft.runStages(clock, this::build);
    }

    private BuildResult build(VersionDraft draft, StageClock clock) throws Exception {
        try {
            return apply(draft, clock);
        } finally {
            if (deltaRows != null) {
                deltaRows.release();
            }
            if (idMapping != null) {
                idMapping.release();
            }
        }
    }

    private BuildResult apply(VersionDraft draft, StageClock clock) throws Exception {
        clock.start("read");
        BundleStorage storage = draft.storage();
        Published published = Published.read(storage, draft.layout());
        String baseVersion = config.delta().base() != null ? VersionName.check(config.delta().base())
                : published.version();
        if (baseVersion == null) {
            throw refused("index '" + config.index().name() + "' has no published version to apply a delta to");
        }
        if (publish && !baseVersion.equals(published.version())) {
            throw refused("base " + baseVersion + " is not the published version (" + published.version() + "): a"
                    + " delta publishes only over its base; stage it with --no-publish, or apply it to the published"
                    + " version");
        }
        Path baseDir = draft.layout().versionDir(baseVersion);
        byte[] baseJson = storage.read(draft.layout().manifest(baseVersion));
        if (!storage.exists(new Path(baseDir, BundleLayout.SUCCESS))
                || !io.vecforge.bundle.Completion.matches(storage.read(new Path(baseDir, BundleLayout.SUCCESS)),
                        baseJson)) {
            throw refused("base " + baseVersion + " is not complete (no _SUCCESS vouching for its manifest)");
        }
        Manifest base = Manifest.fromJson(baseJson);
        int chain = base.delta() == null ? 1 : base.delta().chain() + 1;
        if (chain > config.delta().maxChain()) {
            throw refused(String.format(Locale.ROOT, "base %s is delta %d of its chain and delta.max-chain=%d",
                    baseVersion, chain - 1, config.delta().maxChain()));
        }
        if (base.file(FileRole.HOLDOUT_GROUND_TRUTH_DISTANCES) == null) {
            throw refused("base " + baseVersion + " keeps no ground-truth distances (built before vecforge kept"
                    + " them), so its ground truth cannot be updated exactly");
        }
        String fullBuild = base.delta() == null ? baseVersion : base.delta().fullBuild();
        Double fullImbalance = base.delta() == null ? base.validation().listImbalance()
                : base.delta().fullBuildListImbalance();
        InputTable input = InputReader.open(spark, config, hadoopConf);
        if (input.externalIds() != base.ids().external()) {
            throw BuildFailedException.of(Failure.INPUT_SCHEMA, "the delta's id columns " + input.idColumns()
                    + (input.externalIds() ? " are external ids, and base " + baseVersion + " holds int64 ids"
                            : " are int64 ids, and base " + baseVersion + " maps external ids " + base.ids().columns()));
        }
        DriftGuard drift = new DriftGuard(published, draft.version(), config.publish());
        clock.stop();

        clock.start("check");
        DeltaRows delta = DeltaRows.of(input, config.delta().opColumn(), base.vectors().dimension(),
                base.vectors().metric());
        deltaRows = delta;
        DeltaRows.Counts counts = delta.count();
        if (counts.inputRows() == 0) {
            // an interval without changes is normal for a delta schedule: no new version, nothing fails
            LOG.info("delta input {} has no rows: nothing to apply; {} stays as it is", config.input().path(),
                    baseVersion);
            clock.stop();
            return BuildResult.unchanged(storage.qualify(baseDir).toString(), base, published.version());
        }
        draft.create();
        String quarantine = null;
        if (counts.rejectedRows() > 0) {
            quarantine = BundleLayout.QUARANTINE;
            String path = new Path(draft.dir(), quarantine).toString();
            delta.writeQuarantine(path);
            delta.checkTolerance(counts, config.input().maxRejectedFraction(), path);
        }
        LOG.info("delta input: {} rows: {} upserts, {} deletes, rejected {}", counts.inputRows(), counts.upserts(),
                counts.deletes(), counts.rejected());
        clock.stop();

        clock.start("carry");
        Manifest.BundleFile trained = copy(storage, baseDir, draft.dir(), listed(base, FileRole.TRAINED_INDEX));
        Manifest.BundleFile queriesFile = copy(storage, baseDir, draft.dir(), listed(base, FileRole.HOLDOUT_QUERIES));
        java.nio.file.Path scratch = Files.createTempDirectory("vecforge-delta-");
        float[] queries;
        long[] truthIds;
        float[] truthDistances;
        double holdoutFit;
        int depth = base.groundTruthDepth();
        try {
            queries = Fvecs.read(download(storage, baseDir, listed(base, FileRole.HOLDOUT_QUERIES), scratch)).vectors();
            Fvecs.LongData truth = Fvecs.readLongs(download(storage, baseDir,
                    listed(base, FileRole.HOLDOUT_GROUND_TRUTH), scratch));
            truthIds = truth.values();
            truthDistances = Fvecs.read(download(storage, baseDir,
                    listed(base, FileRole.HOLDOUT_GROUND_TRUTH_DISTANCES), scratch)).vectors();
            holdoutFit = holdoutFit(download(storage, draft.dir(), trained, scratch), queries,
                    base.vectors().metric());
            if (truth.k() != depth) {
                throw refused("base " + baseVersion + "'s ground truth has " + truth.k() + " neighbours per query,"
                        + " its manifest says " + depth);
            }
        } finally {
            deleteTree(scratch);
        }
        int queryCount = base.validation().queries();
        Dataset<Row> rows = delta.accepted();
        DeltaIds.Mapped mapped = null;
        if (base.ids().external()) {
            mapped = DeltaIds.map(spark, rows, input.idColumns(), storage, baseDir, base, draft.dir(),
                    draft.version());
            rows = mapped.rows();
            idMapping = mapped;
            LOG.info("id map: {} new keys after base {}'s", mapped.newKeys(), baseVersion);
        }
        clock.stop();

        clock.start("shards");
        DeltaShardTask task = new DeltaShardTask(HadoopConf.forTasks(spark.sparkContext()), new DeltaShardTask.Spec(
                storage.qualify(baseDir).toString(), draft.dir().toString(), baseShards(base),
                config.build().batchRows(), taskThreads(), base.vectors().metric(), depth,
                config.input().duplicates(), config.build().simdLevel()));
        DeltaShardStage.Result shards = DeltaShardStage.run(spark, rows, task, base.shards().size(),
                queries, queryCount, depth, base.vectors().metric().smallerIsCloser(),
                java.util.Arrays.stream(truthIds).filter(id -> id >= 0).distinct().toArray());
        long upserts = shards.sum(ShardPatcher.Result::upserts);
        Double upsertFit = upserts == 0 ? null : shards.upsertFitSum() / upserts;
        Double degradation = upsertFit == null ? null : QuantizerFit.degradation(
                fitBaseline(holdoutFit, base.training().quantizerFit(), base.vectors().metric()), upsertFit,
                base.vectors().metric());
        Manifest.Delta applied = new Manifest.Delta(baseVersion, chain, fullBuild, base.shardRows(), upserts,
                shards.sum(ShardPatcher.Result::inserted), shards.sum(ShardPatcher.Result::replaced),
                shards.sum(ShardPatcher.Result::deletes), shards.sum(ShardPatcher.Result::deletesFound),
                shards.sum(ShardPatcher.Result::deletesMissing), config.delta().missingDeletes(),
                shards.changedShards(), fullImbalance, upsertFit, holdoutFit, degradation,
                mapped == null ? 0 : mapped.newKeys());
        checkFit(applied, fullBuild, base.training().quantizerFit(), base.vectors().metric());
        long duplicates = shards.sum(ShardPatcher.Result::duplicates);
        requireBalanced(counts, applied, duplicates, shards.rows());
        if (applied.deletesMissing() > 0 && config.delta().failOnMissingDeletes()) {
            throw BuildFailedException.of(Failure.MISSING_DELETES, String.format(Locale.ROOT,
                    "%,d deletes name ids base %s does not hold (delta.missing-deletes=fail)", applied.deletesMissing(),
                    baseVersion));
        }
        if (duplicates > 0 && config.input().duplicates() == io.vecforge.bundle.DuplicatePolicy.FAIL) {
            throw BuildFailedException.of(Failure.DUPLICATE_INPUT_IDS, String.format(Locale.ROOT,
                    "%,d delta rows repeat an id already seen (input.duplicates=fail)", duplicates));
        }
        GroundTruthUpdate.Result truth = GroundTruthUpdate.apply(truthIds, truthDistances, depth, base.shardRows(),
                shards.touchedTruthIds(), shards.upsertNeighbours());
        int k = base.validation().k();
        if (truth.minDepth() < Math.min(k, shards.rows())) {
            throw refused(String.format(Locale.ROOT, "hold-out query %d keeps only %d exact neighbours after the"
                    + " delta (validate.k=%d): its ground truth cannot stay exact", truth.shallowestQuery(),
                    truth.minDepth(), k));
        }
        HoldoutFiles.GroundTruth groundTruth = HoldoutFiles.uploadGroundTruth(storage, draft.dir(), truth.truth());
        clock.stop();

        clock.start("validate");
        storage.delete(new Path(draft.dir(), BundleLayout.WORK));
        Path inputPath = new Path(config.input().path());
        String sourcePath = inputPath.getFileSystem(hadoopConf).makeQualified(inputPath).toString();
        Parts parts = new Parts(base, draft.version(), sourcePath, counts, duplicates,
                quarantine, applied, shards, trained, queriesFile, groundTruth,
                mapped == null ? List.of() : mapped.files());
        ValidationReport report = ValidateStage.requireValid(spark, storage, draft.dir(), parts.manifest(null,
                List.of(), null, Map.of()), taskThreads(),
                config.delta().nprobeSweep() ? Parts.targetRecall(base) : null);
        checkImbalance(report, fullImbalance);
        drift.checkResult(shards.rows(), report.recall);
        clock.stop();

        clock.start("report");
        List<Manifest.BundleFile> reportFiles = io.vecforge.jobs.BuildJob.writeReport(draft, parts.manifest(report, List.of(), null, Map.of()),
                clock.timings(), report.listSizes);
        clock.stop();

        clock.start("publish");
        Manifest complete = parts.manifest(report, reportFiles, Instant.now().toString(), clock.timings())
                .withContentHash();
        draft.stage(complete.toJson());
        if (publish) {
            draft.publish(published.expectedLatest());
        }
        clock.stop();
        LOG.info("{} {} version {} (delta {} of {} on {}): {} rows = base {} - deletes found {} - replaced {} +"
                        + " upserts {}; shards changed {}; recall@{} {}; stage timings ms: {}",
                publish ? "published" : "staged (not published)", config.index().name(), draft.version(), chain,
                fullBuild, baseVersion, shards.rows(), applied.baseRows(), applied.deletesFound(), applied.replaced(),
                applied.upserts(), applied.changedShards(), k, report.recall, clock.timings());
        return new BuildResult(draft.dir().toString(), complete, report, published.version(), publish);
    }

    /** delta input = upserts + deletes applied + rejected + duplicates dropped; new = base - found - replaced + upserts. */
    private static void requireBalanced(DeltaRows.Counts counts, Manifest.Delta applied, long duplicates,
            long rows) {
        long accounted = applied.upserts() + applied.deletes() + counts.rejectedRows() + duplicates;
        if (accounted != counts.inputRows()) {
            throw BuildFailedException.of(Failure.FAILED, String.format(Locale.ROOT, "delta rows lost: input %d !="
                    + " upserts %d + deletes %d + rejected %d + duplicates dropped %d", counts.inputRows(),
                    applied.upserts(), applied.deletes(), counts.rejectedRows(), duplicates));
        }
        if (applied.expectedRows() != rows) {
            throw BuildFailedException.of(Failure.FAILED, String.format(Locale.ROOT, "rows lost: shards hold %d !="
                    + " base %d - deletes found %d - replaced %d + upserts %d", rows, applied.baseRows(),
                    applied.deletesFound(), applied.replaced(), applied.upserts()));
        }
    }

    /**
     * How the full build's rows fit its quantizer: the worse of the training sample's fit (biased
     * good: k-means fits the very rows it trains on) and the hold-out queries' (rows training did not
     * choose, but few: a noisy mean on clustered data), so that neither bias nor noise refuses a delta
     * drawn from the same data.
     */
    private static double fitBaseline(double holdoutFit, Double sampleFit, Metric metric) {
        if (sampleFit == null) {
            return holdoutFit;
        }
        return metric.smallerIsCloser() ? Math.max(holdoutFit, sampleFit) : Math.min(holdoutFit, sampleFit);
    }

    /** The upserts must fit the reused quantizer about as well as the full build's rows do. */
    private void checkFit(Manifest.Delta applied, String fullBuild, Double sampleFit, Metric metric) {
        if (applied.fitDegradation() == null) {
            LOG.info("quantizer fit: no upserts to compare with the hold-out queries' {}", applied.holdoutFit());
            return;
        }
        String comparison = String.format(Locale.ROOT, "the upserts fit %s's quantizer at %.6g against %.6g for its"
                + " rows (hold-out queries %.6g, training sample %s): %+.2f%% (train.max-reuse-degradation %.2f%%)",
                fullBuild, applied.upsertFit(), fitBaseline(applied.holdoutFit(), sampleFit, metric),
                applied.holdoutFit(), sampleFit == null ? "not recorded" : String.format(Locale.ROOT, "%.6g",
                        sampleFit), 100 * applied.fitDegradation(),
                100 * config.train().maxReuseDegradation());
        LOG.info("delta quantizer fit: {}", comparison);
        if (applied.fitDegradation() > config.train().maxReuseDegradation()) {
            throw refused(comparison + ": the data drifted from what the trained index was trained on");
        }
    }

    private void checkImbalance(ValidationReport report, Double fullImbalance) {
        Double now = report.listImbalance();
        if (now == null || fullImbalance == null || fullImbalance <= 0) {
            LOG.info("list imbalance {} (full build: {}): not compared", now, fullImbalance);
            return;
        }
        double growth = now / fullImbalance;
        if (growth > config.delta().maxImbalanceGrowth()) {
            throw refused(String.format(Locale.ROOT, "the inverted lists' imbalance grew from %.3f (full build) to"
                    + " %.3f, %.2fx, above delta.max-imbalance-growth=%s", fullImbalance, now, growth,
                    config.delta().maxImbalanceGrowth()));
        }
    }

    private static BuildFailedException refused(String why) {
        return BuildFailedException.of(Failure.DELTA_REFUSED, "delta refused: " + why + "; run a full build"
                + " (build.mode=full)");
    }

    private static DeltaShardTask.BaseShard[] baseShards(Manifest base) {
        DeltaShardTask.BaseShard[] shards = new DeltaShardTask.BaseShard[base.shards().size()];
        for (Manifest.Shard shard : base.shards()) {
            if (shard.shard() < 0 || shard.shard() >= shards.length || shards[shard.shard()] != null
                    || !BundleLayout.shardFileName(shard.shard()).equals(shard.file())) {
                throw refused("the base manifest's shard list is not shards 0.." + (shards.length - 1)
                        + " with their standard file names");
            }
            shards[shard.shard()] = new DeltaShardTask.BaseShard(shard.file(), shard.rows(), shard.minId(),
                    shard.maxId(), shard.crc32c(), shard.bytes());
        }
        return shards;
    }

    /** Copies a base file into the new version, checking the copy against the base manifest. */
    static Manifest.BundleFile copy(BundleStorage storage, Path baseDir, Path versionDir,
            Manifest.BundleFile file) throws IOException {
        java.nio.file.Path local = Files.createTempFile("vecforge-carry-", ".bin");
        try {
            storage.download(new Path(baseDir, safe(file.file())), local);
            FileDigest digest = storage.upload(local, new Path(versionDir, file.file()));
            if (!digest.matches(file.bytes(), file.crc32c())) {
                throw new IOException("base file " + file.file() + " does not match its manifest");
            }
            return new Manifest.BundleFile(file.role(), file.file(), digest);
        } finally {
            Files.deleteIfExists(local);
        }
    }

    /** The queries' mean distance to their nearest coarse centroid, measured as QuantizerFit measures a sample. */
    private static double holdoutFit(java.nio.file.Path trained, float[] queries, Metric metric) throws IOException {
        try (FaissIndex index = FaissIndex.read(trained)) {
            return QuantizerFit.meanDistance(index, queries, metric);
        }
    }

    private static Manifest.BundleFile listed(Manifest base, FileRole role) {
        Manifest.BundleFile file = base.file(role);
        if (file == null) {
            throw refused("the base manifest lists no " + role.configName() + " file");
        }
        return file;
    }

    /** A file a manifest lists, copied into scratch and checked against that manifest's size and CRC32C. */
    private static java.nio.file.Path download(BundleStorage storage, Path versionDir, Manifest.BundleFile file,
            java.nio.file.Path scratch) throws IOException {
        java.nio.file.Path local = Files.createTempFile(scratch, "vecforge-holdout-", ".bin");
        Optional<BundleReader.FileProblem> problem = new BundleReader(storage, versionDir)
                .downloadVerified(safe(file.file()), file.bytes(), file.crc32c(), local);
        if (problem.isPresent()) {
            throw new IOException(new Path(versionDir, file.file()) + " does not match its manifest ("
                    + problem.get().message() + ")");
        }
        return local;
    }

    /** A file name from the base manifest: untrusted, so a plain name inside the version or a refusal. */
    private static String safe(String name) {
        io.vecforge.bundle.BundleFileName.problem(name).ifPresent(problem -> {
            throw refused("the base manifest names the file '" + name + "': " + problem);
        });
        return name;
    }

    private static void deleteTree(java.nio.file.Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            for (java.nio.file.Path file : (Iterable<java.nio.file.Path>) files::iterator) {
                Files.deleteIfExists(file);
            }
        }
        Files.deleteIfExists(dir);
    }

    private int taskThreads() {
        return config.build().threadsPerTask() > 0 ? config.build().threadsPerTask()
                : spark.sparkContext().getConf().getInt("spark.task.cpus", 1);
    }

    /** Everything the new manifest is assembled from: the base's, with what the delta changed. */
    private record Parts(Manifest base, String version, String sourcePath, DeltaRows.Counts counts,
            long duplicates, String quarantine, Manifest.Delta delta, DeltaShardStage.Result shards,
            Manifest.BundleFile trained, Manifest.BundleFile queries, HoldoutFiles.GroundTruth groundTruth,
            List<Manifest.BundleFile> idMap) {
        Manifest manifest(ValidationReport report, List<Manifest.BundleFile> reports, String createdAt,
                Map<String, Long> timings) {
            Manifest.Accounting accounting = new Manifest.Accounting(counts.inputRows(),
                    delta.upserts() + delta.deletes(),
                    counts.rejectedRows(), counts.rejected(), duplicates, base.accounting().maxRejectedFraction(),
                    base.accounting().duplicatePolicy(), base.accounting().orderColumn(), quarantine);
            Manifest.Training training = new Manifest.Training(base.training().sampleRows(), base.training().seed(),
                    base.training().trainedIndexFile(), base.training().trainer(), base.training().device(),
                    base.training().note(), base.training().millis(), base.training().quantizerFit(),
                    delta.fullBuild(), "delta build: the trained index of " + delta.fullBuild() + " is reused");
            List<Manifest.Shard> shardList = new ArrayList<>();
            for (DeltaShardTask.Report r : shards.reports()) {
                shardList.add(new Manifest.Shard(r.shard(), BundleLayout.shardFileName(r.shard()), r.rows(),
                        r.digest().bytes(), r.digest().crc32cHex(), r.minId(), r.maxId()));
            }
            List<Manifest.BundleFile> files = new ArrayList<>(idMap);
            files.add(trained);
            files.add(queries);
            files.add(new Manifest.BundleFile(FileRole.HOLDOUT_GROUND_TRUTH, BundleLayout.GROUND_TRUTH,
                    groundTruth.ids()));
            files.add(new Manifest.BundleFile(FileRole.HOLDOUT_GROUND_TRUTH_DISTANCES,
                    BundleLayout.GROUND_TRUTH_DISTANCES, groundTruth.distances()));
            Manifest.Validation v = base.validation();
            Manifest.Validation validation = new Manifest.Validation(v.queriesFile(), BundleLayout.GROUND_TRUTH,
                    v.queries(), v.k(), v.nprobe(), v.minRecall(), report == null ? null : report.recall,
                    base.groundTruthDepth(), report == null ? null : report.listImbalance());
            Map<String, Long> shardMillis = new LinkedHashMap<>();
            Manifest.Parent parent = new Manifest.Parent(delta.base(), base.contentHash());
            return new Manifest(Manifest.FORMAT_VERSION, base.indexName(), version, parent, createdAt,
                    Versions.vecforge(), base.faissVersion(), base.faissMinReader(),
                    new Manifest.Source(sourcePath, shards.rows(), base.source().idColumn(), base.source().vectorColumn()),
                    accounting, base.ids(), base.vectors(), training, base.sharding(), shardList, files, reports,
                    validation, search(report, base), delta, timings,
                    new Manifest.Runtime(null, null, null, null, shardMillis, 0, 0, null, null, null, null,
                            null), null);
        }

        /** The base's target recall (0.9 before bundles recorded one). */
        static double targetRecall(Manifest base) {
            return base.search() == null ? 0.9 : base.search().targetRecall();
        }

        /** The recall curve measured now (delta.nprobe-sweep), else the base's, carried over. */
        private static Manifest.Search search(ValidationReport report, Manifest base) {
            if (report == null || report.nprobeCurve == null || report.nprobeCurve.isEmpty()) {
                return base.search();
            }
            double target = targetRecall(base);
            NprobeSweep.Point chosen = NprobeSweep.recommend(report.nprobeCurve, target);
            return new Manifest.Search(chosen.nprobe(), target, chosen.recall() >= target, report.nprobeCurve.stream()
                    .map(p -> new Manifest.NprobeRecall(p.nprobe(), p.recall())).toList());
        }
    }

}
