package io.vecforge.jobs.shard;

import io.vecforge.bundle.BundleLayout;
import io.vecforge.bundle.BundleReader;
import io.vecforge.bundle.BundleStorage;
import io.vecforge.bundle.DuplicatePolicy;
import io.vecforge.bundle.FileDigest;
import io.vecforge.faiss.FaissIndex;
import io.vecforge.faiss.Metric;
import io.vecforge.faiss.Neighbours;
import io.vecforge.faiss.SimdDispatch;
import io.vecforge.jobs.HadoopConf;
import io.vecforge.jobs.TaskFiles;
import io.vecforge.writer.shard.EmbeddingCursor;
import io.vecforge.writer.shard.ExactNeighbourSearch;
import io.vecforge.writer.shard.InvalidRowException;
import io.vecforge.writer.shard.ProcessMemory;
import io.vecforge.writer.shard.ShardBuilder;
import io.vecforge.writer.shard.ShardResult;
import io.vecforge.writer.shard.SortedRows;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkEnv;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/** One Spark task per shard: streams the shard's rows into a copy of the trained index, stages the file. */
public final class ShardTask implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ShardTask.class);
    /** Whether this JVM has said whether OpenBLAS runs older kernels than its CPU has (once, not every shard). */
    private static final AtomicBoolean BLAS_ADVISED = new AtomicBoolean();
    private static final long SPARK_RESERVED_BYTES = 300L << 20;
    private static final long MIN_RUN_BYTES = 32L << 20;
    private static final long MAX_RUN_BYTES = 1L << 30;
    /**
     * Native memory for the newest entries of a shard's inverted lists; the rest wait on local disk until the
     * shard is written, so a task's native memory does not grow with its shard (at 1,024 lists of 40-byte
     * entries, chunks of 409 entries: 16 KiB writes).
     */
    static final long LIST_BUFFER_BYTES = 16L << 20;
    private static final java.util.regex.Pattern LOCAL_THREADS = java.util.regex.Pattern.compile("local\\[(\\d+)");

    public record Report(int shard, long rows, Long minId, Long maxId, long duplicates, List<Long> duplicateSamples,
            FileDigest digest, Neighbours exact, long millis, String executor, long peakRssBytes,
            long nativeHeapBytes, long uploadMillis, SimdDispatch dispatch, Map<String, Long> phases)
            implements Serializable {}

    /** Where the shards go, from which trained index, and how each task adds its rows. */
    /** @param trainedDigest what the training task wrote to {@code trainedIndex}: each task's copy is checked against it */
    public record Spec(String versionDir, String trainedIndex, FileDigest trainedDigest, int shards, int batchRows,
            int threads, Metric metric, int k, DuplicatePolicy duplicates, long acceptedRows, String simdLevel)
            implements Serializable {}

    private final HadoopConf conf;
    private final Spec spec;

    public ShardTask(HadoopConf conf, Spec spec) {
        this.conf = conf;
        this.spec = spec;
    }

    Report run(int shard, Iterator<Tuple2<RowKey, float[]>> rows, float[] queries) throws Exception {
        FaissIndex.setThreads(spec.threads(), 1);
        SimdDispatch dispatch = SimdDispatch.pin(spec.simdLevel());
        if (BLAS_ADVISED.compareAndSet(false, true)) {
            SimdDispatch.blasAdvice().ifPresent(LOG::warn);
        }
        long start = System.nanoTime();
        String versionDir = spec.versionDir();
        BundleStorage storage = BundleStorage.forUri(new Path(versionDir).toUri(), conf.get());
        java.nio.file.Path trained = TaskFiles.createTemp("vecforge-trained-", ".faiss");
        java.nio.file.Path local = TaskFiles.createTemp("vecforge-shard-" + shard + "-", ".faiss");
        Map<String, Long> phases = new LinkedHashMap<>();
        try {
            downloadTrained(storage, trained);
            ShardResult result;
            long nativeHeap;
            try (ShardBuilder builder = openBuilder(shard, trained, queries)) {
                phases.put("open", (System.nanoTime() - start) / 1_000_000);
                long rowsStart = System.nanoTime();
                RowProgress progress = new RowProgress("shard " + shard, spec.acceptedRows() / spec.shards());
                try (SortedRows sorter = sort(rows, builder.dimension(), spec.acceptedRows() / spec.shards())) {
                    EmbeddingCursor sorted = sorter.sorted();
                    while (sorted.next()) {
                        builder.add(sorted.id(), sorted.vector());
                        progress.add();
                    }
                    if (sorter.spilledRuns() > 0) {
                        LOG.info(String.format(Locale.ROOT, "shard %d: %,d of its %,d rows sorted through %d run(s) on"
                                + " disk (runs of %,d rows in memory)", shard, sorter.spilledRows(), sorter.rows(),
                                sorter.spilledRuns(), sorter.runRows()));
                    }
                }
                progress.done();
                result = builder.finish(local);
                nativeHeap = FaissIndex.nativeHeapBytes(); // the index, the lists' buffers (their codes when not spilled)
                Map<String, Long> built = builder.phaseMillis();
                long inFaiss = built.values().stream().mapToLong(Long::longValue).sum();
                // What the loop spent outside Faiss: reading and sorting the rows, checking and batching them.
                phases.put("rows", Math.max(0, (System.nanoTime() - rowsStart) / 1_000_000 - inFaiss));
                phases.putAll(built);
            }
            // Each attempt writes aside under _work, then renames over the shard's one name: a retried or
            // speculative attempt replaces the file with identical bytes and never adds a second copy.
            long uploadStart = System.nanoTime();
            FileDigest digest = storage.upload(local, new Path(versionDir, BundleLayout.shardFileName(shard)),
                    new Path(versionDir, BundleLayout.ATTEMPTS));
            long uploadMillis = (System.nanoTime() - uploadStart) / 1_000_000;
            phases.put("upload", uploadMillis);
            return new Report(shard, result.rows(), result.minId(), result.maxId(), result.duplicates(),
                    result.duplicateSamples(), digest, result.exactNeighbours(),
                            (System.nanoTime() - start) / 1_000_000,
                    SparkEnv.get() == null ? "?" : SparkEnv.get().executorId(), ProcessMemory.peakRssBytes(),
                    nativeHeap, uploadMillis, dispatch, phases);
        } finally {
            Files.deleteIfExists(trained);
            Files.deleteIfExists(local);
        }
    }

    /**
     * Heap for one task's run of rows being sorted (a shard larger than its run is sorted through disk): a third
     * of the heap beyond Spark's reserved 300 MiB, shared by the tasks that run at once in this JVM, within
     * 32 MiB..1 GiB. With the default -Xmx4g and 2 cores a run holds 1.2M rows of 128 dimensions, so shards up to
     * that size never touch the disk; with -Xmx1g, 240k.
     */
    static long runBytes(long maxHeapBytes, int concurrentTasks) {
        long share = Math.max(0, maxHeapBytes - SPARK_RESERVED_BYTES) / 3 / Math.max(1, concurrentTasks);
        return Math.max(MIN_RUN_BYTES, Math.min(MAX_RUN_BYTES, share));
    }

    /**
     * Tasks this JVM runs at once: its executor's cores (local[N]'s N, every core for local[*]) over
     * spark.task.cpus.
     */
    private static int concurrentTasks() {
        int cores = Runtime.getRuntime().availableProcessors();
        SparkEnv env = SparkEnv.get();
        if (env == null) {
            return cores;
        }
        java.util.regex.Matcher local = LOCAL_THREADS.matcher(env.conf().get("spark.master", ""));
        if (local.lookingAt()) {
            cores = Integer.parseInt(local.group(1));
        }
        return Math.max(1, env.conf().getInt("spark.executor.cores", cores) / Math.max(1,
                env.conf().getInt("spark.task.cpus", 1)));
    }

    /**
     * The shard's rows as they arrive from the shuffle, taken into an external sort by (id, order): the shuffle
     * does not sort them (its sort held every row of the task as objects in the heap), and the order they arrive
     * in varies from run to run while the bundle must not.
     */
    private static SortedRows sort(Iterator<Tuple2<RowKey, float[]>> rows, int dimension, long expectedRows) {
        // A run no larger than the shard is expected to be, with a margin: small shards do not take their share,
        // and the JVM zeroes (the kernel faults in) every byte of the run whether rows come to fill it or not.
        // Shards are ids hashed (ShardAssignment): a shard of a million rows strays from its share by about a
        // thousand, so 2% is more than 20 of those; a larger shard writes only its overflow to disk.
        long runBytes = runBytes(Runtime.getRuntime().maxMemory(), concurrentTasks());
        long runRows = Math.min(SortedRows.runRows(runBytes, dimension), expectedRows + expectedRows / 50 + 1024);
        SortedRows sorter = new SortedRows(dimension, (int) runRows, expectedRows, () -> {
            try {
                return TaskFiles.createTemp("vecforge-shard-run-", ".bin");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create a scratch file for a shard's sorted rows", e);
            }
        });
        try {
            while (rows.hasNext()) {
                Tuple2<RowKey, float[]> row = rows.next();
                long id = row._1().id();
                float[] vector = row._2();
                if (vector == null) {
                    throw new InvalidRowException(id, "vector is null");
                }
                if (vector.length != dimension) {
                    throw new InvalidRowException(id, "vector has " + vector.length + " components, expected "
                            + dimension);
                }
                sorter.add(id, row._1().order(), vector);
            }
            return sorter;
        } catch (RuntimeException | Error e) {
            try {
                sorter.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** The builder owns the trained copy from here; until it does, this method closes it on any error. */
    /** The trained index, copied and checked against what the training task wrote before Faiss reads it. */
    private void downloadTrained(BundleStorage storage, java.nio.file.Path local) throws IOException {
        Path trainedIndex = new Path(spec.trainedIndex());
        Optional<BundleReader.FileProblem> problem = new BundleReader(storage, trainedIndex.getParent())
                .downloadVerified(trainedIndex.getName(), spec.trainedDigest().bytes(),
                        spec.trainedDigest().crc32cHex(), local);
        if (problem.isPresent()) {
            throw new IOException("the trained index " + trainedIndex + " is not what the training task wrote ("
                    + problem.get().message() + ")");
        }
    }

    private ShardBuilder openBuilder(int shard, java.nio.file.Path trained, float[] queries) {
        FaissIndex empty = FaissIndex.readForAdding(trained); // no search table: the shard is searched from its file
        try {
            if (empty.spillLists(trained.getParent(), LIST_BUFFER_BYTES)) {
                LOG.info("shard {}: inverted lists kept on disk while the shard is built ({} MiB of buffers)", shard,
                        LIST_BUFFER_BYTES >> 20);
            }
            ExactNeighbourSearch exact = new ExactNeighbourSearch(queries, empty.dimension(), spec.metric(), spec.k());
            return new ShardBuilder(shard, spec.shards(), empty, spec.batchRows(), exact, spec.metric().normalizes(),
                    spec.duplicates());
        } catch (RuntimeException | Error e) {
            empty.close();
            throw e;
        }
    }
}
