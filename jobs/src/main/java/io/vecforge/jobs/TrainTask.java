package io.vecforge.jobs;

import io.vecforge.build.Trainer;
import io.vecforge.bundle.BundleLayout;
import io.vecforge.bundle.BundleStorage;
import io.vecforge.bundle.FileDigest;
import io.vecforge.data.EmbeddingParquetReader;
import io.vecforge.faiss.FaissIndex;
import io.vecforge.faiss.Metric;
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

    private final HadoopConf conf;
    private final String samplePath;
    private final long sampleRows;
    private final int dimension;
    private final String factory;
    private final Metric metric;
    private final int threads;
    private final String target;
    private final TrainerChoice trainer;
    private final String gpuResource;

    TrainTask(HadoopConf conf, String samplePath, long sampleRows, int dimension, String factory, Metric metric,
            int threads, String target, TrainerChoice trainer, String gpuResource) {
        this.conf = conf;
        this.samplePath = samplePath;
        this.sampleRows = sampleRows;
        this.dimension = dimension;
        this.factory = factory;
        this.metric = metric;
        this.threads = threads;
        this.target = target;
        this.trainer = trainer;
        this.gpuResource = gpuResource;
    }

    Result run() throws Exception {
        int ompThreads = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        List<String> gpus = assignedGpus();
        TrainingDevice device = TrainingDevice.choose(trainer, gpuResource, gpus, FaissIndex.gpuTraining(),
                ompThreads);
        String executor = SparkEnv.get() == null ? "?" : SparkEnv.get().executorId();
        LOG.info("training {} on {} rows x {} (executor {}, {}{})", factory, sampleRows, dimension, executor,
                device.device(), device.note() == null ? "" : "; " + device.note());
        FaissIndex.setThreads(ompThreads, 1);
        long start = System.nanoTime();
        Path targetPath = new Path(target);
        BundleStorage storage = BundleStorage.forUri(targetPath.toUri(), conf.get());
        java.nio.file.Path local = Files.createTempFile("vecforge-trained-", ".faiss");
        try (ElapsedLog ticking = ElapsedLog.every(30, "training " + factory + " on " + sampleRows + " x " + dimension);
                EmbeddingParquetReader sample = EmbeddingParquetReader.open(conf.get(), new Path(samplePath), "id",
                        "vector");
                FaissIndex trained = Trainer.train(sample, sampleRows, dimension, factory, metric)) {
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
        ResourceInformation info = context.resourcesJMap().get(gpuResource);
        return info == null ? List.of() : Arrays.asList(info.addresses());
    }
}
