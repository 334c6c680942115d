package io.vecforge.writer.shard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecforge.data.SyntheticEmbeddings;
import io.vecforge.faiss.FaissIndex;
import io.vecforge.faiss.IndexBytes;
import io.vecforge.faiss.Metric;
import io.vecforge.testing.TestVectors;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks the shard task's native memory formula (docs/build.md, "Memory") with a measurement:
 * the C heap a shard holds is its copy of the trained index plus its codes and ids, however many
 * rows pass through it; the JVM holds one batch. Measured with glibc's mallinfo2, which counts the
 * native allocations of Faiss (not the JVM heap).
 */
class ShardMemoryTest {
    private static final int D = 64;
    private static final int NLIST = 256;
    private static final int M = 16;
    private static final int ROWS = 600_000;
    private static final int BATCH = 4096;
    private static final long SLACK = 8L << 20; // the JVM's own malloc traffic meanwhile

    @TempDir
    Path dir;

    @Test
    void nativeMemoryIsTheTrainedIndexPlusTheCodesOfTheShardsRows() {
        byte[] trained = warmTrainedIndex();
        assertNull(measuredUpToThreeTimes(() -> measure(trained).problem()));
    }

    /**
     * With its lists spilled to disk (what the shard task does) a shard holds the trained index, the lists' buffers
     * and one batch, not its codes: a shard of any size takes the same native memory.
     */
    @Test
    void withSpilledListsNativeMemoryIsTheTrainedIndexAndTheBuffersNotTheCodes() {
        byte[] trained = warmTrainedIndex();
        assertNull(measuredUpToThreeTimes(() -> spilledProblem(trained)));
    }

    /** The trained index's bytes, its add path already run once (the JIT's own malloc'ed arenas would blur). */
    private byte[] warmTrainedIndex() {
        byte[] trained;
        try (FaissIndex index = FaissIndex.create(D, "IVF" + NLIST + ",PQ" + M + "np", Metric.L2)) {
            index.train(TestVectors.clustered(16_384, D, 3), 16_384);
            trained = IndexBytes.of(index);
        }
        FaissIndex.setThreads(1, 1);
        warmUp(trained);
        return trained;
    }

    /**
     * The JVM's own threads (compilers, GC, cleaners) malloc and free meanwhile, by up to ~12 MB once seen here (a
     * load measured at -0.9 MB in CI): a measurement outside the bound is taken again, at most three times; a real
     * excess (or codes held outside the C heap) fails all three. Returns the last problem, null for none.
     */
    private static String measuredUpToThreeTimes(java.util.function.Supplier<String> measurement) {
        String problem = measurement.get();
        for (int attempt = 1; attempt < 3 && problem != null; attempt++) {
            System.out.println("measured again: " + problem);
            problem = measurement.get();
        }
        return problem;
    }

    private String spilledProblem(byte[] trained) {
        long buffers = 1L << 20;
        System.gc();
        long before = FaissIndex.nativeHeapBytes();
        FaissIndex copy = IndexBytes.load(trained);
        long trainedIndex = FaissIndex.nativeHeapBytes() - before;
        assertTrue(copy.spillLists(dir, buffers));
        SyntheticEmbeddings data = new SyntheticEmbeddings(7, D);
        float[] vector = new float[D];
        long peak = 0;
        long spilled;
        try (ShardBuilder builder = new ShardBuilder(0, 1, copy, BATCH, null)) {
            for (int row = 0; row < ROWS; row++) {
                data.fill(row, vector, 0);
                builder.add(row, vector);
                if (row % BATCH == 0) {
                    peak = Math.max(peak, FaissIndex.nativeHeapBytes() - before);
                }
            }
            assertEquals(ROWS, builder.finish(dir.resolve("spilled.faiss")).rows());
            peak = Math.max(peak, FaissIndex.nativeHeapBytes() - before);
            spilled = copy.spilledBytes();
        }
        long beyondIndex = peak - trainedIndex;
        System.out.printf("spilled shard of %,d rows: codes+ids %.1f MiB, %.1f MiB of them on disk; native beyond"
                + " the trained index at most %.1f MiB (buffers %.1f MiB)%n", ROWS, mib(Measured.CODES), mib(spilled),
                mib(beyondIndex), mib(buffers));
        long bound = buffers + Measured.BATCH_NATIVE + SLACK / 2;
        if (spilled < Measured.CODES / 2) {
            return "only " + spilled + " bytes reached the disk";
        }
        return beyondIndex > bound ? "native use beyond the trained index " + beyondIndex + " > " + bound : null;
    }

    /** One shard built and closed, its native memory measured; problem() names what breaks the formula. */
    private record Measured(long trainedIndex, long held, long peakBetweenBatches, long released) {
        static final long CODES = (long) ROWS * (M + 8); // PQ code + int64 id per row
        static final long BATCH_NATIVE = (long) BATCH * (4L * D * 2 + 8 + M); // vectors + residuals, ids, codes
        static final long STRUCTURES = 4L * D * (NLIST + 256) + 4L * NLIST * M * 256; // centroids, codebooks, table

        String problem() {
            long bound = trainedIndex + 2 * CODES + BATCH_NATIVE + SLACK;
            if (trainedIndex < STRUCTURES) {
                return "trained index " + trainedIndex + " < its tables " + STRUCTURES;
            } else if (held < trainedIndex + CODES - SLACK) {
                return "the codes are not in native memory: " + held;
            } else if (held > bound || peakBetweenBatches > bound) {
                return "native use " + held + " (between batches up to " + peakBetweenBatches
                        + ") above the formula's bound " + bound;
            } else if (released >= SLACK) {
                return "close() leaves " + released + " bytes of the shard's native memory";
            }
            return null;
        }
    }

    private Measured measure(byte[] trained) {
        System.gc();
        long before = FaissIndex.nativeHeapBytes();
        FaissIndex copy = IndexBytes.load(trained);
        long trainedIndex = FaissIndex.nativeHeapBytes() - before;
        SyntheticEmbeddings data = new SyntheticEmbeddings(7, D);
        float[] vector = new float[D];
        long peakBetweenBatches = 0;
        long held;
        long allocated;
        try (ShardBuilder builder = new ShardBuilder(0, 1, copy, BATCH, null)) {
            for (int row = 0; row < ROWS; row++) {
                data.fill(row, vector, 0);
                builder.add(row, vector);
                if (row % BATCH == 0) {
                    peakBetweenBatches = Math.max(peakBetweenBatches, FaissIndex.nativeHeapBytes() - before);
                }
            }
            ShardResult result = builder.finish(dir.resolve("shard.faiss"));
            assertEquals(ROWS, result.rows());
            held = FaissIndex.nativeHeapBytes() - before;
            allocated = copy.listBytesAllocated();
        }
        long released = FaissIndex.nativeHeapBytes() - before;
        long codes = Measured.CODES;
        System.out.printf("shard of %,d rows x %d (IVF%d,PQ%d): trained index %.1f MiB, codes+ids %.1f MiB;"
                        + " native held at the end %.1f MiB (%.2f x codes beyond the index), largest between batches"
                        + " %.1f MiB; after close %.1f MiB; lists allocated %.2f x their entries%n", ROWS, D, NLIST,
                M, mib(trainedIndex), mib(codes), mib(held), (held - trainedIndex) / (double) codes,
                mib(peakBetweenBatches), mib(released), allocated / (double) codes);
        // what the lists allocate does not depend on the JVM's traffic: they grow by a quarter when a batch
        // outgrows them (vecforge_lists.h), not by doubling (about 1.44 x their entries)
        assertTrue(allocated >= codes && allocated <= 1.3 * codes, "the lists allocated " + allocated
                + " bytes for " + codes + " bytes of entries");
        return new Measured(trainedIndex, held, peakBetweenBatches, released);
    }

    private void warmUp(byte[] trained) {
        SyntheticEmbeddings data = new SyntheticEmbeddings(11, D);
        float[] vector = new float[D];
        try (ShardBuilder builder = new ShardBuilder(0, 1, IndexBytes.load(trained), BATCH, null)) {
            for (int row = 0; row < ROWS / 4; row++) {
                data.fill(row, vector, 0);
                builder.add(row, vector);
            }
            builder.finish(dir.resolve("warm-up.faiss"));
        }
    }

    private static double mib(long bytes) {
        return bytes / 1048576.0;
    }
}
