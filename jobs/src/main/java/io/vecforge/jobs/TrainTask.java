package io.vecforge.jobs;

import io.vecforge.build.Trainer;
import io.vecforge.bundle.BundleStorage;
import io.vecforge.bundle.FileDigest;
import io.vecforge.data.EmbeddingParquetReader;
import io.vecforge.faiss.FaissIndex;
import io.vecforge.faiss.Metric;
import java.io.Serializable;
import java.nio.file.Files;
import org.apache.hadoop.fs.Path;

/** The one Spark task that trains: reads the staged sample, trains, stages the trained empty index. */
final class TrainTask implements Serializable {
    private static final long serialVersionUID = 1L;

    record Result(FileDigest digest, long millis, int threads) implements Serializable {}

    private final HadoopConf conf;
    private final String samplePath;
    private final long sampleRows;
    private final int dimension;
    private final String factory;
    private final Metric metric;
    private final int threads;
    private final String target;

    TrainTask(HadoopConf conf, String samplePath, long sampleRows, int dimension, String factory, Metric metric,
            int threads, String target) {
        this.conf = conf;
        this.samplePath = samplePath;
        this.sampleRows = sampleRows;
        this.dimension = dimension;
        this.factory = factory;
        this.metric = metric;
        this.threads = threads;
        this.target = target;
    }

    Result run() throws Exception {
        int ompThreads = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        FaissIndex.setThreads(ompThreads, 1);
        long start = System.nanoTime();
        Path targetPath = new Path(target);
        BundleStorage storage = BundleStorage.forUri(targetPath.toUri(), conf.get());
        java.nio.file.Path local = Files.createTempFile("vecforge-trained-", ".faiss");
        try (EmbeddingParquetReader sample = EmbeddingParquetReader.open(conf.get(), new Path(samplePath), "id",
                        "vector");
                FaissIndex trained = Trainer.train(sample, sampleRows, dimension, factory, metric)) {
            trained.write(local);
            FileDigest digest = storage.upload(local, targetPath);
            return new Result(digest, (System.nanoTime() - start) / 1_000_000, ompThreads);
        } finally {
            Files.deleteIfExists(local);
        }
    }
}
