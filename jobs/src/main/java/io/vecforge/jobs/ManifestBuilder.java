package io.vecforge.jobs;
import io.vecforge.jobs.config.BuildConfig;
import io.vecforge.jobs.input.RowAccounting;
import io.vecforge.jobs.shard.ShardStage;
import io.vecforge.jobs.shard.ShardTask;
import io.vecforge.jobs.train.TrainTask;

import io.vecforge.Failure;
import io.vecforge.Versions;
import io.vecforge.writer.train.FactoryChooser;
import io.vecforge.bundle.BundleLayout;
import io.vecforge.bundle.FileDigest;
import io.vecforge.bundle.Manifest;
import io.vecforge.faiss.FaissIndex;
import io.vecforge.faiss.FaissReaders;
import io.vecforge.validate.NprobeSweep;
import io.vecforge.validate.ValidationReport;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Assembles a version's manifest from the results of the build's stages, in stage order. The
 * stages know nothing of the manifest; the driver hands each result here as it arrives.
 */
public final class ManifestBuilder {
    private final Manifest manifest = new Manifest();

    ManifestBuilder(BuildConfig config, String version) {
        manifest.indexName = config.index().name();
        manifest.version = version;
        manifest.vecforgeVersion = Versions.vecforge();
        manifest.faissVersion = FaissIndex.faissVersion();
        manifest.vectors.factory = config.index().factory();
        manifest.vectors.metric = config.index().metric().configName();
        manifest.training.seed = config.train().seed();
        manifest.sharding.shards = config.index().shards();
        manifest.accounting.maxRejectedFraction = config.input().maxRejectedFraction();
        manifest.accounting.duplicatePolicy = config.input().duplicates().configName();
        manifest.accounting.orderColumn = config.input().orderColumn();
        manifest.source.idColumn = String.join(",", config.input().idColumns());
        manifest.source.vectorColumn = config.input().vectorColumn();
        manifest.ids.columns = config.input().idColumns();
    }

    /** The read stage: where the input is and whether its ids are mapped. */
    void source(String qualifiedPath, boolean externalIds) {
        manifest.source.path = qualifiedPath;
        manifest.ids.external = externalIds;
    }

    /** The check stage: every input row, the rejected ones by reason, and the dimension taken. */
    void rows(RowAccounting rows, String quarantine) {
        manifest.accounting.inputRows = rows.inputRows();
        manifest.accounting.rejectedRows = rows.rejectedRows();
        manifest.accounting.rejected.putAll(rows.rejected());
        manifest.accounting.quarantine = quarantine;
        manifest.vectors.dimension = rows.dimension();
    }

    /** The factory the build uses: the config's, or the one index.factory=auto chose. */
    void factory(String factory, FactoryChooser.Choice auto) {
        manifest.vectors.factory = factory;
        if (auto != null) {
            Manifest.AutoFactory record = new Manifest.AutoFactory();
            record.maxMemoryBytes = auto.budgetBytes();
            record.nlist = auto.nlist();
            record.codeBytes = auto.codeBytes();
            record.estimatedBytes = auto.estimatedBytes();
            record.reasoning = auto.reasoning();
            manifest.vectors.auto = record;
        }
    }

    void idMap(List<Manifest.BundleFile> files) {
        if (!files.isEmpty()) {
            manifest.files.addAll(files);
            manifest.ids.mapDir = BundleLayout.ID_MAP;
        }
    }

    void training(TrainTask.Result trained, long sampleRows) {
        manifest.training.sampleRows = sampleRows;
        manifest.training.trainedIndexFile = BundleLayout.TRAINED_INDEX;
        manifest.training.trainer = trained.device().trainer();
        manifest.training.device = trained.device().device();
        manifest.training.note = trained.device().note();
        manifest.training.millis = trained.millis();
        manifest.training.quantizerFit = trained.fit().meanDistance();
        manifest.training.reusedFrom = trained.fit().reusedFrom();
        manifest.training.reuseDecision = trained.fit().decision();
        manifest.faissMinReader = FaissReaders.minimumReader(trained.components(), manifest.faissVersion);
        manifest.runtime.trainDispatch = trained.dispatch().toString();
        manifest.runtime.trainExecutor = trained.executor();
        manifest.runtime.trainGpus.addAll(trained.gpus());
        manifest.files.add(new Manifest.BundleFile("trained-index", BundleLayout.TRAINED_INDEX, trained.digest()));
    }

    void queries(FileDigest digest, int count) {
        manifest.files.add(new Manifest.BundleFile("holdout-queries", BundleLayout.QUERIES, digest));
        manifest.validation.queriesFile = BundleLayout.QUERIES;
        manifest.validation.queries = count;
    }

    /** The shards stage: one entry per shard, the rows indexed, the duplicates dropped, where tasks ran. */
    void shards(ShardStage.Result shards) {
        for (ShardTask.Report report : shards.reports()) {
            manifest.shards.add(shardEntry(report));
            manifest.runtime.shardDispatch.put(String.valueOf(report.shard()), report.dispatch().toString());
            recordExecutorUse(report);
        }
        manifest.accounting.duplicatesDropped = shards.duplicates();
        manifest.accounting.indexedRows = manifest.shardRows();
        manifest.source.acceptedRows = manifest.accounting.indexedRows;
    }

    /**
     * Every task computed with the same SIMD level and BLAS kernels, or the build fails: they decide
     * rounding, so a bundle must not depend on which executor ran which task (docs/cluster.md#simd).
     */
    void requireOneDispatch(String simdLevel) {
        java.util.Map<String, java.util.List<String>> tasksByDispatch = new java.util.TreeMap<>();
        tasksByDispatch.computeIfAbsent(manifest.runtime.trainDispatch, d -> new java.util.ArrayList<>()).add("training");
        manifest.runtime.shardDispatch.forEach((shard, dispatch) ->
                tasksByDispatch.computeIfAbsent(dispatch, d -> new java.util.ArrayList<>()).add("shard " + shard));
        if (tasksByDispatch.size() > 1) {
            throw BuildFailedException.of(Failure.MIXED_DISPATCH, "tasks computed with different SIMD kernels ("
                    + "Faiss level / OpenBLAS core): " + tasksByDispatch + "; build.simd-level=" + simdLevel
                    + ". Pin build.simd-level to a level every executor has and OPENBLAS_CORETYPE"
                    + " (spark.executorEnv.OPENBLAS_CORETYPE) to one kernel set (docs/cluster.md#simd)");
        }
    }

    /** input = indexed + rejected + duplicates dropped, exactly, or the build fails. */
    long requireBalanced() {
        Manifest.Accounting a = manifest.accounting;
        if (!a.balances()) {
            throw BuildFailedException.of(Failure.FAILED, String.format(Locale.ROOT,
                    "rows lost: input %d != indexed %d + rejected %d + duplicates dropped %d", a.inputRows,
                    a.indexedRows, a.rejectedRows, a.duplicatesDropped));
        }
        return a.indexedRows;
    }

    void groundTruth(FileDigest digest, BuildConfig.Validate validate) {
        manifest.files.add(new Manifest.BundleFile("holdout-ground-truth", BundleLayout.GROUND_TRUTH, digest));
        manifest.validation.groundTruthFile = BundleLayout.GROUND_TRUTH;
        manifest.validation.k = validate.k();
        manifest.validation.nprobe = validate.nprobe();
        manifest.validation.minRecall = validate.minRecall();
    }

    /** The manifest as it stands, for validation before it is complete. */
    Manifest draft() {
        return manifest;
    }

    /** The validate stage: recall at validate.nprobe, and the nprobe curve with the recommended nprobe. */
    void validated(ValidationReport report, double targetRecall) {
        manifest.validation.recall = report.recall;
        if (report.nprobeCurve == null || report.nprobeCurve.isEmpty()) {
            return;
        }
        Manifest.Search search = new Manifest.Search();
        NprobeSweep.Point chosen = NprobeSweep.recommend(report.nprobeCurve, targetRecall);
        search.nprobe = chosen.nprobe();
        search.targetRecall = targetRecall;
        search.targetReached = chosen.recall() >= targetRecall;
        for (NprobeSweep.Point point : report.nprobeCurve) {
            search.recallCurve.add(new Manifest.NprobeRecall(point.nprobe(), point.recall()));
            manifest.runtime.searchMicrosPerQuery.put(String.valueOf(point.nprobe()), point.microsPerQuery());
        }
        manifest.search = search;
    }

    void reports(List<Manifest.BundleFile> files) {
        manifest.reports.addAll(files);
    }

    /** The final manifest: creation time, stage timings and the content hash. */
    Manifest complete(Map<String, Long> timings) {
        manifest.createdAt = Instant.now().toString();
        manifest.timingsMillis.putAll(timings);
        manifest.contentHash = manifest.computeContentHash();
        return manifest;
    }

    private void recordExecutorUse(ShardTask.Report report) {
        Manifest.ExecutorUse use = manifest.runtime.executors.computeIfAbsent(report.executor(),
                ignored -> new Manifest.ExecutorUse());
        use.shardTasks++;
        manifest.runtime.shardTaskMillis += report.millis();
        manifest.runtime.shardMillis.put(String.valueOf(report.shard()), report.millis());
        manifest.runtime.shardUploadMillis += report.uploadMillis();
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
}
