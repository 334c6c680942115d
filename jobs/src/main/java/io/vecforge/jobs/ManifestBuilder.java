package io.vecforge.jobs;

import io.vecforge.Versions;
import io.vecforge.bundle.BundleLayout;
import io.vecforge.bundle.FileDigest;
import io.vecforge.bundle.Manifest.FileRole;
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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

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
        return assemble(null, List.of(), null, Map.of(), List.of());
    }

    /** The draft with the validation results: what the build report draws. */
    Manifest validated(ValidationReport report, List<Manifest.SparkStage> sparkStages) {
        return assemble(report, List.of(), null, Map.of(), sparkStages);
    }

    /** The final manifest: validated, with the report files, creation time, timings and content hash. */
    Manifest complete(ValidationReport report, List<Manifest.BundleFile> reports, Map<String, Long> timings,
            List<Manifest.SparkStage> sparkStages) {
        return assemble(report, reports, Instant.now().toString(), timings, sparkStages).withContentHash();
    }

    private Manifest assemble(ValidationReport report, List<Manifest.BundleFile> reports, String createdAt,
            Map<String, Long> timings, List<Manifest.SparkStage> sparkStages) {
        String faissVersion = FaissIndex.faissVersion();
        TrainTask.Result trained = out.trained();
        return new Manifest(Manifest.FORMAT_VERSION, config.index().name(), out.version(), out.parent().asParent(),
                createdAt, Versions.vecforge(), faissVersion,
                FaissReaders.minimumReader(trained.components(), faissVersion), source(), accounting(), ids(),
                vectors(), training(trained), new Manifest.Sharding(config.index().shards(), null), shards(), files(),
                reports, validation(report), search(report), null, timings, runtime(trained, report, sparkStages),
                null);
    }

    private Manifest.Source source() {
        return new Manifest.Source(out.sourcePath(), out.shards().rows(), String.join(",", config.input().idColumns()),
                config.input().vectorColumn());
    }

    private Manifest.Accounting accounting() {
        RowAccounting rows = out.rows();
        return new Manifest.Accounting(rows.inputRows(), out.shards().rows(), rows.rejectedRows(), rows.rejected(),
                out.shards().duplicates(), config.input().maxRejectedFraction(), config.input().duplicates(),
                config.input().orderColumn(), out.quarantine());
    }

    private Manifest.Ids ids() {
        return new Manifest.Ids(out.externalIds(), config.input().idColumns(),
                out.idMap().isEmpty() ? null : BundleLayout.ID_MAP);
    }

    private Manifest.Vectors vectors() {
        FactoryChooser.Choice auto = out.plan().auto();
        String factory = out.plan().shape().factory();
        List<Manifest.CodecTrial> trial = out.trained().trial().isEmpty() ? null : out.trained().trial().stream()
                .map(t -> new Manifest.CodecTrial(t.factory(), auto.candidate(t.factory()).estimatedBytes(),
                        t.recall()))
                .toList();
        Manifest.AutoFactory chosen = auto == null ? null : new Manifest.AutoFactory(auto.budgetBytes(), auto.nlist(),
                auto.codeBytes(), auto.candidate(factory).estimatedBytes(), auto.reasoning(), trial);
        return new Manifest.Vectors(out.rows().dimension(), out.plan().shape().metric(), factory, chosen);
    }

    private Manifest.Training training(TrainTask.Result trained) {
        return new Manifest.Training(out.sampleRows(), config.train().seed(), BundleLayout.TRAINED_INDEX,
                trained.device().trainer(), trained.device().device(), trained.device().note(), trained.millis(),
                trained.fit().meanDistance(), trained.fit().reusedFrom(), trained.fit().decision());
    }

    private List<Manifest.Shard> shards() {
        List<Manifest.Shard> shards = new ArrayList<>();
        for (ShardTask.Report report : out.shards().reports()) {
            shards.add(new Manifest.Shard(report.shard(), BundleLayout.shardFileName(report.shard()), report.rows(),
                    report.digest().bytes(), report.digest().crc32cHex(), report.minId(), report.maxId()));
        }
        return shards;
    }

    /** The id map, the trained index and the hold-out files, in that order. */
    private List<Manifest.BundleFile> files() {
        List<Manifest.BundleFile> files = new ArrayList<>(out.idMap());
        files.add(new Manifest.BundleFile(FileRole.TRAINED_INDEX, BundleLayout.TRAINED_INDEX, out.trained().digest()));
        files.add(new Manifest.BundleFile(FileRole.HOLDOUT_QUERIES, BundleLayout.QUERIES, out.queries()));
        files.add(new Manifest.BundleFile(FileRole.HOLDOUT_GROUND_TRUTH, BundleLayout.GROUND_TRUTH,
                out.groundTruth().ids()));
        files.add(new Manifest.BundleFile(FileRole.HOLDOUT_GROUND_TRUTH_DISTANCES, BundleLayout.GROUND_TRUTH_DISTANCES,
                out.groundTruth().distances()));
        return files;
    }

    /** The hold-out set and the recall threshold; the recall at validate.nprobe once validated. */
    private Manifest.Validation validation(ValidationReport report) {
        BuildConfig.Validate validate = config.validate();
        return new Manifest.Validation(BundleLayout.QUERIES, BundleLayout.GROUND_TRUTH, out.queryCount(),
                validate.k(), validate.nprobe(), validate.minRecall(), report == null ? null : report.recall,
                validate.groundTruthDepth(), report == null ? null : report.listImbalance());
    }

    /** The nprobe curve with the recommended nprobe; null before validation or without a curve. */
    private Manifest.Search search(ValidationReport report) {
        if (report == null || report.nprobeCurve == null || report.nprobeCurve.isEmpty()) {
            return null;
        }
        double targetRecall = config.validate().targetRecall();
        NprobeSweep.Point chosen = NprobeSweep.recommend(report.nprobeCurve, targetRecall);
        List<Manifest.NprobeRecall> curve = report.nprobeCurve.stream()
                .map(point -> new Manifest.NprobeRecall(point.nprobe(), point.recall()))
                .toList();
        return new Manifest.Search(chosen.nprobe(), targetRecall, chosen.recall() >= targetRecall, curve);
    }

    /** Where the tasks ran, what they took and computed with. */
    private Manifest.Runtime runtime(TrainTask.Result trained, ValidationReport report,
            List<Manifest.SparkStage> sparkStages) {
        Map<String, Manifest.ExecutorUse> executors = new TreeMap<>();
        Map<String, Long> shardMillis = new LinkedHashMap<>();
        Map<String, String> shardDispatch = new LinkedHashMap<>();
        long taskMillis = 0;
        long uploadMillis = 0;
        Map<String, Long> shardPhases = new LinkedHashMap<>();
        for (ShardTask.Report shard : out.shards().reports()) {
            shard.phases().forEach((phase, ms) -> shardPhases.merge(phase, ms, Long::sum));
            executors.merge(shard.executor(), new Manifest.ExecutorUse(1, shard.peakRssBytes(),
                    shard.nativeHeapBytes()), (a, b) -> new Manifest.ExecutorUse(a.shardTasks() + 1,
                    Math.max(a.peakRssBytes(), b.peakRssBytes()),
                    Math.max(a.peakNativeHeapBytes(), b.peakNativeHeapBytes())));
            taskMillis += shard.millis();
            uploadMillis += shard.uploadMillis();
            shardMillis.put(String.valueOf(shard.shard()), shard.millis());
            shardDispatch.put(String.valueOf(shard.shard()), shard.dispatch().toString());
        }
        Map<String, Double> searchMicros = new LinkedHashMap<>();
        if (report != null && report.nprobeCurve != null) {
            report.nprobeCurve.forEach(point -> searchMicros.put(String.valueOf(point.nprobe()),
                    point.microsPerQuery()));
        }
        return new Manifest.Runtime(trained.executor(), trained.gpus(), executors, searchMicros, shardMillis,
                taskMillis, uploadMillis, trained.dispatch().toString(), shardDispatch, trained.phases(), shardPhases,
                sparkStages);
    }
}
