package io.vecforge.jobs;

import io.vecforge.Versions;
import io.vecforge.bundle.BundleLayout;
import io.vecforge.bundle.FileDigest;
import io.vecforge.bundle.Manifest;
import io.vecforge.faiss.FaissIndex;
import io.vecforge.faiss.FaissReaders;
import io.vecforge.jobs.config.BuildConfig;
import io.vecforge.jobs.input.RowAccounting;
import io.vecforge.jobs.shard.ShardStage;
import io.vecforge.jobs.shard.ShardTask;
import io.vecforge.jobs.train.TrainTask;
import io.vecforge.validate.NprobeSweep;
import io.vecforge.validate.ValidationReport;
import io.vecforge.writer.train.FactoryChooser;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Assembles a version's manifest from the stages' results, at the end and in one go: the stages
 * know nothing of the manifest, and every call builds a fresh one from the same immutable
 * {@link BuildOutputs}.
 */
final class ManifestBuilder {
    private final BuildConfig config;
    private final BuildOutputs out;

    ManifestBuilder(BuildConfig config, BuildOutputs outputs) {
        this.config = config;
        this.out = outputs;
    }

    /** The manifest of the outputs alone: what validation checks and the report draws. */
    Manifest draft() {
        Manifest manifest = new Manifest();
        manifest.indexName = config.index().name();
        manifest.version = out.version();
        manifest.parent = out.parent().asParent();
        manifest.vecforgeVersion = Versions.vecforge();
        manifest.faissVersion = FaissIndex.faissVersion();
        manifest.training.seed = config.train().seed();
        manifest.sharding.shards = config.index().shards();
        manifest.source.idColumn = String.join(",", config.input().idColumns());
        manifest.source.vectorColumn = config.input().vectorColumn();
        manifest.ids.columns = config.input().idColumns();
        source(manifest);
        rows(manifest);
        factory(manifest);
        idMap(manifest);
        training(manifest);
        queries(manifest);
        shards(manifest);
        groundTruth(manifest);
        return manifest;
    }

    /** The draft with the validation results: what the build report draws. */
    Manifest validated(ValidationReport report) {
        Manifest manifest = draft();
        validated(manifest, report);
        return manifest;
    }

    /** The final manifest: validated, with the report files, creation time, timings and content hash. */
    Manifest complete(ValidationReport report, List<Manifest.BundleFile> reports, Map<String, Long> timings) {
        Manifest manifest = validated(report);
        manifest.reports.addAll(reports);
        manifest.createdAt = Instant.now().toString();
        manifest.timingsMillis.putAll(timings);
        manifest.contentHash = manifest.computeContentHash();
        return manifest;
    }

    private void source(Manifest manifest) {
        manifest.source.path = out.sourcePath();
        manifest.ids.external = out.externalIds();
    }

    private void rows(Manifest manifest) {
        RowAccounting rows = out.rows();
        Manifest.Accounting accounting = manifest.accounting;
        accounting.maxRejectedFraction = config.input().maxRejectedFraction();
        accounting.duplicatePolicy = config.input().duplicates().configName();
        accounting.orderColumn = config.input().orderColumn();
        accounting.inputRows = rows.inputRows();
        accounting.rejectedRows = rows.rejectedRows();
        accounting.rejected.putAll(rows.rejected());
        accounting.quarantine = out.quarantine();
        manifest.vectors.dimension = rows.dimension();
    }

    private void factory(Manifest manifest) {
        manifest.vectors.factory = out.plan().shape().factory();
        manifest.vectors.metric = out.plan().shape().metric().configName();
        FactoryChooser.Choice auto = out.plan().auto();
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

    private void idMap(Manifest manifest) {
        if (!out.idMap().isEmpty()) {
            manifest.files.addAll(out.idMap());
            manifest.ids.mapDir = BundleLayout.ID_MAP;
        }
    }

    private void training(Manifest manifest) {
        TrainTask.Result trained = out.trained();
        manifest.training.sampleRows = out.sampleRows();
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

    private void queries(Manifest manifest) {
        manifest.files.add(new Manifest.BundleFile("holdout-queries", BundleLayout.QUERIES, out.queries()));
        manifest.validation.queriesFile = BundleLayout.QUERIES;
        manifest.validation.queries = out.queryCount();
    }

    /** One entry per shard, the rows indexed, the duplicates dropped, where tasks ran. */
    private void shards(Manifest manifest) {
        for (ShardTask.Report report : out.shards().reports()) {
            manifest.shards.add(shardEntry(report));
            manifest.runtime.shardDispatch.put(String.valueOf(report.shard()), report.dispatch().toString());
            recordExecutorUse(manifest, report);
        }
        manifest.accounting.duplicatesDropped = out.shards().duplicates();
        manifest.accounting.indexedRows = manifest.shardRows();
        manifest.source.acceptedRows = manifest.accounting.indexedRows;
    }

    private void groundTruth(Manifest manifest) {
        BuildConfig.Validate validate = config.validate();
        manifest.files.add(new Manifest.BundleFile("holdout-ground-truth", BundleLayout.GROUND_TRUTH,
                out.groundTruth()));
        manifest.validation.groundTruthFile = BundleLayout.GROUND_TRUTH;
        manifest.validation.k = validate.k();
        manifest.validation.nprobe = validate.nprobe();
        manifest.validation.minRecall = validate.minRecall();
    }

    /** Recall at validate.nprobe, and the nprobe curve with the recommended nprobe. */
    private void validated(Manifest manifest, ValidationReport report) {
        double targetRecall = config.validate().targetRecall();
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

    private static void recordExecutorUse(Manifest manifest, ShardTask.Report report) {
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
