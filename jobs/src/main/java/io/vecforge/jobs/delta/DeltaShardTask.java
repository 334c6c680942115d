package io.vecforge.jobs.delta;

import io.vecforge.bundle.BundleLayout;
import io.vecforge.bundle.BundleReader;
import io.vecforge.bundle.BundleStorage;
import io.vecforge.bundle.DuplicatePolicy;
import io.vecforge.bundle.FileDigest;
import io.vecforge.faiss.FaissIndex;
import io.vecforge.faiss.Metric;
import io.vecforge.faiss.SimdDispatch;
import io.vecforge.jobs.HadoopConf;
import io.vecforge.jobs.TaskFiles;
import io.vecforge.writer.shard.ExactNeighbourSearch;
import io.vecforge.writer.shard.ShardPatcher;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.util.Iterator;
import java.util.Optional;
import org.apache.hadoop.fs.Path;
import scala.Tuple2;

/**
 * One Spark task per shard of a delta build: each base shard is downloaded and its copy's size and CRC32C
 * checked against the base manifest before anything reads it; a shard the delta touches is then patched
 * ({@link ShardPatcher}) and staged, a shard it does not touch is uploaded byte for byte (the upload's
 * digest checked again).
 */
final class DeltaShardTask implements Serializable {
    private static final long serialVersionUID = 1L;

    /** What one shard task did; patch is null for a shard carried over unchanged. */
    record Report(int shard, boolean changed, long rows, Long minId, Long maxId, FileDigest digest,
            ShardPatcher.Result patch, SimdDispatch dispatch) implements Serializable {}

    /** A delta row: the id's operation (true = upsert) and, for an upsert, its vector. */
    record Op(boolean upsert, float[] vector) implements Serializable {}

    record BaseShard(String file, long rows, Long minId, Long maxId, String crc32c, long bytes)
            implements Serializable {}

    record Spec(String baseDir, String versionDir, BaseShard[] base, int batchRows, int threads, Metric metric,
            int depth, DuplicatePolicy duplicates, String simdLevel) implements Serializable {}

    private final HadoopConf conf;
    private final Spec spec;

    DeltaShardTask(HadoopConf conf, Spec spec) {
        this.conf = conf;
        this.spec = spec;
    }

    Report run(int shard, Iterator<Tuple2<io.vecforge.jobs.shard.RowKey, Op>> rows, float[] queries, long[] watched)
            throws Exception {
        FaissIndex.setThreads(spec.threads(), 1);
        SimdDispatch dispatch = SimdDispatch.pin(spec.simdLevel());
        BundleStorage storage = BundleStorage.forUri(new Path(spec.versionDir()).toUri(), conf.get());
        BaseShard base = spec.base()[shard];
        Path source = new Path(spec.baseDir(), base.file());
        Path target = new Path(spec.versionDir(), BundleLayout.shardFileName(shard));
        java.nio.file.Path local = TaskFiles.createTemp("vecforge-delta-" + shard + "-", ".faiss");
        try {
            Optional<BundleReader.FileProblem> damaged = new BundleReader(storage, new Path(spec.baseDir()))
                    .downloadVerified(base.file(), base.bytes(), base.crc32c(), local);
            if (damaged.isPresent()) {
                throw new IOException("the base shard " + source + " does not match the base manifest ("
                        + damaged.get().message() + "); it is not patched or carried over: run a full build"
                        + " (build.mode=full)");
            }
            if (!rows.hasNext()) {
                FileDigest digest = storage.upload(local, target, new Path(spec.versionDir(), BundleLayout.ATTEMPTS));
                requireSame(base, digest, source);
                return new Report(shard, false, base.rows(), base.minId(), base.maxId(), digest, null, dispatch);
            }
            java.nio.file.Path patched = TaskFiles.createTemp("vecforge-patched-" + shard + "-", ".faiss");
            try {
                ShardPatcher.Result result;
                FaissIndex index = FaissIndex.readForAdding(local); // patched and written, never searched
                ExactNeighbourSearch exact;
                try {
                    exact = new ExactNeighbourSearch(queries, index.dimension(), spec.metric(), spec.depth());
                } catch (RuntimeException | Error e) {
                    index.close();
                    throw e;
                }
                try (ShardPatcher patcher = new ShardPatcher(shard, spec.base().length, index, spec.batchRows(), exact,
                        spec.metric(), spec.duplicates(), watched)) {
                    while (rows.hasNext()) {
                        Tuple2<io.vecforge.jobs.shard.RowKey, Op> row = rows.next();
                        if (row._2().upsert()) {
                            patcher.upsert(row._1().id(), row._2().vector());
                        } else {
                            patcher.delete(row._1().id());
                        }
                    }
                    result = patcher.finish(patched);
                }
                FileDigest digest = storage.upload(patched, target, new Path(spec.versionDir(), BundleLayout.ATTEMPTS));
                return new Report(shard, true, result.rows(), result.minId(), result.maxId(), digest, result, dispatch);
            } finally {
                Files.deleteIfExists(patched);
            }
        } finally {
            Files.deleteIfExists(local);
        }
    }

    private static void requireSame(BaseShard base, FileDigest copy, Path source) throws IOException {
        if (!copy.matches(base.bytes(), base.crc32c())) {
            throw new IOException("the base shard " + source + " does not match its manifest (" + base.bytes()
                    + " bytes, CRC32C " + base.crc32c() + "): copied " + copy.bytes() + " bytes, CRC32C "
                    + copy.crc32cHex());
        }
    }
}
