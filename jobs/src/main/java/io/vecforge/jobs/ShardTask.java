package io.vecforge.jobs;

import io.vecforge.build.DuplicatePolicy;
import io.vecforge.build.ExactNeighbourSearch;
import io.vecforge.faiss.Neighbours;
import io.vecforge.build.ShardBuilder;
import io.vecforge.build.ProcessMemory;
import io.vecforge.build.ShardResult;
import io.vecforge.bundle.BundleLayout;
import io.vecforge.bundle.BundleStorage;
import io.vecforge.bundle.FileDigest;
import io.vecforge.faiss.FaissIndex;
import io.vecforge.faiss.Metric;
import java.io.Serializable;
import java.nio.file.Files;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkEnv;
import scala.Tuple2;

/** One Spark task per shard: streams the shard's rows into a copy of the trained index, stages the file. */
final class ShardTask implements Serializable {
    private static final long serialVersionUID = 1L;

    record Report(int shard, long rows, Long minId, Long maxId, long duplicates, List<Long> duplicateSamples,
            FileDigest digest, Neighbours exact, long millis, String executor, long peakRssBytes,
            long nativeHeapBytes, long uploadMillis) implements Serializable {}

    private final HadoopConf conf;
    private final String versionDir;
    private final String trainedIndex;
    private final int shards;
    private final int batchRows;
    private final int threads;
    private final Metric metric;
    private final int k;
    private final DuplicatePolicy duplicatePolicy;

    ShardTask(HadoopConf conf, String versionDir, String trainedIndex, int shards, int batchRows, int threads,
            Metric metric, int k, DuplicatePolicy duplicatePolicy) {
        this.conf = conf;
        this.versionDir = versionDir;
        this.trainedIndex = trainedIndex;
        this.shards = shards;
        this.batchRows = batchRows;
        this.threads = threads;
        this.metric = metric;
        this.k = k;
        this.duplicatePolicy = duplicatePolicy;
    }

    Report run(int shard, Iterator<Tuple2<RowKey, float[]>> rows, float[] queries) throws Exception {
        FaissIndex.setThreads(threads, 1);
        long start = System.nanoTime();
        BundleStorage storage = BundleStorage.forUri(new Path(versionDir).toUri(), conf.get());
        java.nio.file.Path trained = Files.createTempFile("vecforge-trained-", ".faiss");
        java.nio.file.Path local = Files.createTempFile("vecforge-shard-" + shard + "-", ".faiss");
        try {
            storage.download(new Path(trainedIndex), trained);
            FaissIndex empty = FaissIndex.read(trained);
            ExactNeighbourSearch exact = new ExactNeighbourSearch(queries, empty.dimension(), metric, k);
            ShardResult result;
            long nativeHeap;
            try (ShardBuilder builder = new ShardBuilder(shard, shards, empty, batchRows, exact, metric.normalizes(),
                    duplicatePolicy)) {
                while (rows.hasNext()) {
                    Tuple2<RowKey, float[]> row = rows.next();
                    builder.add(row._1().id(), row._2());
                }
                result = builder.finish(local);
                nativeHeap = FaissIndex.nativeHeapBytes(); // the shard's codes are still held here
            }
            // Each attempt writes aside under _work, then renames over the shard's one name: a retried or
            // speculative attempt replaces the file with identical bytes and never adds a second copy.
            long uploadStart = System.nanoTime();
            FileDigest digest = storage.upload(local, new Path(versionDir, BundleLayout.shardFileName(shard)),
                    new Path(versionDir, BundleLayout.ATTEMPTS));
            long uploadMillis = (System.nanoTime() - uploadStart) / 1_000_000;
            return new Report(shard, result.rows(), result.minId(), result.maxId(), result.duplicates(),
                    result.duplicateSamples(), digest, result.exactNeighbours(), (System.nanoTime() - start) / 1_000_000,
                    SparkEnv.get() == null ? "?" : SparkEnv.get().executorId(), ProcessMemory.peakRssBytes(),
                    nativeHeap, uploadMillis);
        } finally {
            Files.deleteIfExists(trained);
            Files.deleteIfExists(local);
        }
    }
}
