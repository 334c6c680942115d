package io.vecforge.jobs.train;

import io.vecforge.bundle.BundleLayout;
import io.vecforge.bundle.BundleReader;
import io.vecforge.bundle.BundleStorage;
import io.vecforge.bundle.FileDigest;
import io.vecforge.faiss.FaissIndex;
import io.vecforge.faiss.GpuLibrary;
import io.vecforge.faiss.GpuUnavailableException;
import io.vecforge.faiss.SimdDispatch;
import io.vecforge.jobs.HadoopConf;
import io.vecforge.jobs.IndexShape;
import io.vecforge.jobs.TaskFiles;
import io.vecforge.jobs.config.TrainReuse;
import io.vecforge.jobs.config.TrainerChoice;
import io.vecforge.jobs.sample.TrainingSample;
import io.vecforge.writer.shard.EmbeddingCursor;
import io.vecforge.writer.train.CodecTrial;
import io.vecforge.writer.train.QuantizerFit;
import io.vecforge.writer.train.Trainer;
import java.io.Serializable;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one Spark task that trains: reads the staged sample, trains, stages the trained empty index. */
public final class TrainTask implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(TrainTask.class);

    /**
     * {@code components}: the classes the trained index is made of (what decides which Faiss can read
     * the bundle); {@code dispatch}: the SIMD level and BLAS kernels the task computed with; {@code factory}:
     * the trained index's factory string (the codec trial's pick among the candidates, or the reused one's);
     * {@code trial}: the codec trial's measures, empty when there was none.
     */
    public record Result(FileDigest digest, long millis, int threads, TrainingDevice device, String executor,
            List<String> gpus, Fit fit, String components, SimdDispatch dispatch, Map<String, Long> phases,
            String factory, List<CodecTrial.Outcome> trial) implements Serializable {}

    /**
     * How the quantizer fits this build's sample (mean distance to the nearest coarse centroid), and
     * whether it was reused: {@code reusedFrom} names the version whose trained index this is.
     */
    public record Fit(double meanDistance, String reusedFrom, String decision, Double degradation) implements Serializable {}

    /** train.reuse: the published version's trained index (with its manifest's size and CRC32C), and the fit its own sample had. */
    record Reuse(TrainReuse mode, String previousVersion, String previousFactory, String previousTrained,
            long previousTrainedBytes, String previousTrainedCrc32c, Double previousMeanDistance,
            double maxDegradation) implements Serializable {}

    /**
     * What to train: the staged sample, the index's shape, the factories to train and compare (the shape's
     * first; one: no trial), where the trained index goes, on how many threads.
     */
    record Spec(TrainingSample.Staged sample, IndexShape shape, List<String> candidates, String target, int threads,
            TrainerChoice trainer, String gpuResource, boolean localMode, Reuse reuse, String simdLevel)
            implements Serializable {}

    private final HadoopConf conf;
    private final Spec spec;

    TrainTask(HadoopConf conf, Spec spec) {
        this.conf = conf;
        this.spec = spec;
    }

    /** The factory this task trains (index.factory=auto already resolved). */
    String factory() {
        return spec.shape().factory();
    }

    Result run() throws Exception {
        int ompThreads = spec.threads() > 0 ? spec.threads() : Runtime.getRuntime().availableProcessors();
        List<String> gpus = assignedGpus();
        TrainingDevice device = TrainingDevice.choose(spec.trainer(), spec.gpuResource(), gpus, spec.localMode(),
                GpuLibrary::probe, ompThreads);
        String executor = SparkEnv.get() == null ? "?" : SparkEnv.get().executorId();
        IndexShape shape = spec.shape();
        LOG.info("training {} on {} rows x {} (executor {}, {}{})", spec.candidates().size() > 1
                ? "the best of " + spec.candidates() : shape.factory(), spec.sample().count(),
                shape.dimension(), executor, device.device(), device.note() == null ? "" : "; " + device.note());
        FaissIndex.setThreads(ompThreads, 1);
        SimdDispatch dispatch = SimdDispatch.pin(spec.simdLevel());
        LOG.info("training computes with Faiss SIMD {} and OpenBLAS {} kernels ({} threading)", dispatch.faissLevel(),
                dispatch.blasCore(), SimdDispatch.blasThreading());
        SimdDispatch.blasAdvice().ifPresent(LOG::warn);
        long start = System.nanoTime();
        Path targetPath = new Path(spec.target());
        BundleStorage storage = BundleStorage.forUri(targetPath.toUri(), conf.get());
        Path attempts = new Path(targetPath.getParent(), BundleLayout.ATTEMPTS);
        java.nio.file.Path local = TaskFiles.createTemp("vecforge-trained-", ".faiss");
        Map<String, Long> phases = new LinkedHashMap<>();
        try {
            long phaseStart = System.nanoTime();
            Fit fit = spec.reuse() == null ? null : tryReuse(storage, local);
            if (spec.reuse() != null) {
                phaseStart = phase(phases, "reuse-check", phaseStart);
            }
            String components;
            String factory;
            List<CodecTrial.Outcome> trial = List.of();
            if (fit == null || fit.reusedFrom() == null) {
                String decision = fit == null ? null : fit.decision();
                Double degradation = fit == null ? null : fit.degradation();
                Trained trained = train(local, device, ompThreads, phases);
                device = trained.device();
                factory = trained.made().factory();
                trial = trained.made().trial();
                Double measured = trained.made().fit();
                phaseStart = System.nanoTime();
                try (FaissIndex index = FaissIndex.read(local)) {
                    // the trainer measured the fit on the sample it held (train.reuse=auto and deltas read it)
                    fit = new Fit(measured != null ? measured : meanDistance(index), null, decision, degradation);
                    components = index.components();
                }
                phaseStart = phase(phases, measured != null ? "read-back" : "quantizer-fit", phaseStart);
            } else {
                factory = spec.reuse().previousFactory();
                try (FaissIndex trained = FaissIndex.read(local)) {
                    components = trained.components();
                }
            }
            FileDigest digest = storage.upload(local, targetPath, attempts);
            phase(phases, "upload", phaseStart);
            LOG.info("training task phases (ms): {}", phases);
            return new Result(digest, (System.nanoTime() - start) / 1_000_000, ompThreads, device, executor, gpus,
                    fit, components, dispatch, phases, factory, trial);
        } finally {
            Files.deleteIfExists(local);
        }
    }

    /** Adds the time since {@code since} to {@code phase}; returns now. */
    private static long phase(Map<String, Long> phases, String phase, long since) {
        long now = System.nanoTime();
        phases.merge(phase, (now - since) / 1_000_000, Long::sum);
        return now;
    }

    /** The device that trained, and what it made. */
    private record Trained(TrainingDevice device, Made made) {}

    /**
     * What one trainer made: the sample's quantizer fit if the trainer measured it, the factory trained and
     * the codec trial's measures (empty without one).
     */
    private record Made(Double fit, String factory, List<CodecTrial.Outcome> trial) {}

    /** Trains on the chosen device; under train.trainer=auto a GPU that fails hands over to the CPU. */
    private Trained train(java.nio.file.Path local, TrainingDevice device, int threads,
            Map<String, Long> phases) throws Exception {
        try {
            return new Trained(device, train(local, device.newTrainer(), phases));
        } catch (GpuUnavailableException e) {
            if (spec.trainer() == TrainerChoice.GPU) {
                throw new IllegalStateException("train.trainer=gpu, but " + e.getMessage(), e);
            }
            LOG.warn("GPU training failed, training on the CPU instead: {}", e.getMessage());
            TrainingDevice cpu = device.fallBack(e.getMessage(), threads);
            phases.clear();
            return new Trained(cpu, train(local, cpu.newTrainer(), phases));
        }
    }

    /**
     * Trains into {@code local}; {@code phases} gets the trainer's phases, then "write". With more than one
     * candidate, the codec trial trains them all and keeps the best.
     */
    private Made train(java.nio.file.Path local, Trainer trainer, Map<String, Long> phases) throws Exception {
        IndexShape shape = spec.shape();
        if (spec.candidates().size() > 1) {
            try (ElapsedLog ticking = ElapsedLog.every(30, "codec trial of " + spec.candidates() + " on "
                    + spec.sample().count() + " x " + shape.dimension() + " on the " + trainer.kind())) {
                CodecTrial.Result trial = CodecTrial.run(trainer, this::sample, spec.sample().count(),
                        shape.dimension(), spec.candidates(), shape.metric());
                try (FaissIndex trained = trial.trained()) {
                    phases.putAll(trial.phases());
                    long writeStart = System.nanoTime();
                    trained.write(local);
                    phase(phases, "write", writeStart);
                }
                return new Made(trial.quantizerFit(), trial.factory(), trial.outcomes());
            }
        }
        try (ElapsedLog ticking = ElapsedLog.every(30, "training " + shape.factory() + " on " + spec.sample().count()
                        + " x " + shape.dimension() + " on the " + trainer.kind());
                EmbeddingCursor sample = sample();
                FaissIndex trained = trainer.train(sample, spec.sample().count(), shape.dimension(), shape.factory(),
                        shape.metric())) {
            phases.putAll(trainer.lastPhases());
            long writeStart = System.nanoTime();
            trained.write(local);
            phase(phases, "write", writeStart);
            return new Made(trainer.lastQuantizerFit(), shape.factory(), List.of());
        }
    }

    /**
     * Fetches the published trained index into {@code local} and measures how this sample fits it.
     * Returns a fit naming the version when it is reused (train.reuse=previous, or auto within
     * train.max-reuse-degradation), else the decision to train afresh.
     */
    private Fit tryReuse(BundleStorage storage, java.nio.file.Path local) throws Exception {
        Reuse reuse = spec.reuse();
        Path previousFile = new Path(reuse.previousTrained());
        Optional<BundleReader.FileProblem> damaged;
        try {
            damaged = new BundleReader(storage, previousFile.getParent()).downloadVerified(previousFile.getName(),
                    reuse.previousTrainedBytes(), reuse.previousTrainedCrc32c(), local);
        } catch (java.io.IOException e) {
            LOG.warn("train.reuse: cannot read {}; training instead: {}", reuse.previousTrained(), e.getMessage());
            return new Fit(0, null, "trained: cannot read " + reuse.previousVersion() + "'s trained index ("
                    + e.getMessage() + ")", null);
        }
        if (damaged.isPresent()) {
            LOG.warn("train.reuse: {} does not match its manifest ({}); training instead", reuse.previousTrained(),
                    damaged.get().message());
            return new Fit(0, null, "trained: " + reuse.previousVersion() + "'s trained index does not match its"
                    + " manifest (" + damaged.get().message() + ")", null);
        }
        double fresh;
        try (FaissIndex previous = FaissIndex.read(local)) {
            fresh = meanDistance(previous);
        }
        if (reuse.mode() == TrainReuse.PREVIOUS) {
            return new Fit(fresh, reuse.previousVersion(), "train.reuse=previous", null);
        }
        if (reuse.previousMeanDistance() == null) {
            return new Fit(fresh, null, "trained: " + reuse.previousVersion() + " records no quantizer fit to"
                    + " compare with", null);
        }
        double degradation = QuantizerFit.degradation(reuse.previousMeanDistance(), fresh, spec.shape().metric());
        String comparison = String.format(java.util.Locale.ROOT, "fit %.6g under %s's quantizer vs its own %.6g:"
                + " %+.2f%% (train.max-reuse-degradation %.2f%%)", fresh, reuse.previousVersion(),
                reuse.previousMeanDistance(), 100 * degradation, 100 * reuse.maxDegradation());
        LOG.info("train.reuse=auto: {}", comparison);
        return degradation <= reuse.maxDegradation()
                ? new Fit(fresh, reuse.previousVersion(), "reused: " + comparison, degradation)
                : new Fit(fresh, null, "trained: " + comparison, degradation);
    }

    private double meanDistance(FaissIndex trained) throws Exception {
        try (EmbeddingCursor sample = sample()) {
            return QuantizerFit.meanDistance(trained, sample, spec.shape().metric());
        }
    }

    private EmbeddingCursor sample() throws java.io.IOException {
        return spec.sample().open(conf.get());
    }

    private List<String> assignedGpus() {
        TaskContext context = TaskContext.get();
        if (context == null) {
            return List.of();
        }
        ResourceInformation info = context.resourcesJMap().get(spec.gpuResource());
        return info == null ? List.of() : Arrays.asList(info.addresses());
    }
}
