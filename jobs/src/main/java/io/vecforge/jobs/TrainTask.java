package io.vecforge.jobs;

import io.vecforge.build.Trainer;
import io.vecforge.bundle.BundleLayout;
import io.vecforge.bundle.BundleStorage;
import io.vecforge.bundle.FileDigest;
import io.vecforge.data.EmbeddingParquetReader;
import io.vecforge.faiss.FaissIndex;
import java.io.Serializable;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one Spark task that trains: reads the staged sample, trains, stages the trained empty index. */
final class TrainTask implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(TrainTask.class);

    record Result(FileDigest digest, long millis, int threads, TrainingDevice device, String executor,
            List<String> gpus) implements Serializable {}

    /** What to train: the staged sample, the index's shape, where the trained index goes, on how many threads. */
    record Spec(String samplePath, long sampleRows, IndexShape shape, String target, int threads,
            TrainerChoice trainer, String gpuResource) implements Serializable {}

    private final HadoopConf conf;
    private final Spec spec;

    TrainTask(HadoopConf conf, Spec spec) {
        this.conf = conf;
        this.spec = spec;
    }

    Result run() throws Exception {
        int ompThreads = spec.threads() > 0 ? spec.threads() : Runtime.getRuntime().availableProcessors();
        List<String> gpus = assignedGpus();
        TrainingDevice device = TrainingDevice.choose(spec.trainer(), spec.gpuResource(), gpus,
                FaissIndex.gpuTraining(), ompThreads);
        String executor = SparkEnv.get() == null ? "?" : SparkEnv.get().executorId();
        IndexShape shape = spec.shape();
        LOG.info("training {} on {} rows x {} (executor {}, {}{})", shape.factory(), spec.sampleRows(),
                shape.dimension(), executor, device.device(), device.note() == null ? "" : "; " + device.note());
        FaissIndex.setThreads(ompThreads, 1);
        long start = System.nanoTime();
        Path targetPath = new Path(spec.target());
        BundleStorage storage = BundleStorage.forUri(targetPath.toUri(), conf.get());
        java.nio.file.Path local = Files.createTempFile("vecforge-trained-", ".faiss");
        try (ElapsedLog ticking = ElapsedLog.every(30, "training " + shape.factory() + " on " + spec.sampleRows()
                        + " x " + shape.dimension());
                EmbeddingParquetReader sample = EmbeddingParquetReader.open(conf.get(), new Path(spec.samplePath()),
                        "id", "vector");
                FaissIndex trained = Trainer.train(sample, spec.sampleRows(), shape.dimension(), shape.factory(),
                        shape.metric())) {
            trained.write(local);
            FileDigest digest = storage.upload(local, targetPath,
                    new Path(targetPath.getParent(), BundleLayout.ATTEMPTS));
            return new Result(digest, (System.nanoTime() - start) / 1_000_000, ompThreads, device, executor, gpus);
        } finally {
            Files.deleteIfExists(local);
        }
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
