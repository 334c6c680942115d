package io.vecforge.writer.shard;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
        byte[] trained;
        try (FaissIndex index = FaissIndex.create(D, "IVF" + NLIST + ",PQ" + M + "np", Metric.L2)) {
            index.train(TestVectors.clustered(16_384, D, 3), 16_384);
            trained = IndexBytes.of(index);
        }
        FaissIndex.setThreads(1, 1);
        warmUp(trained); // the JIT compiles the add path now: its own malloc'ed arenas would blur the measurement
        long structures = 4L * D * (NLIST + 256) + 4L * NLIST * M * 256; // centroids, codebooks, precomputed table
        // The JVM's own threads (compilers, GC, cleaners) malloc and free meanwhile: a load whose measurement they
        // overlapped by more than the tables (seen once in CI: -0.9 MB) is measured again, at most three times.
        long before = 0;
        long trainedIndex = 0;
        FaissIndex copy = null;
        for (int attempt = 0; attempt < 3 && trainedIndex < structures; attempt++) {
            if (copy != null) {
                copy.close();
            }
            System.gc();
            before = FaissIndex.nativeHeapBytes();
            copy = IndexBytes.load(trained);
            trainedIndex = FaissIndex.nativeHeapBytes() - before;
        }
        assertTrue(trainedIndex >= structures, "trained index " + trainedIndex + " < its tables " + structures);

        SyntheticEmbeddings data = new SyntheticEmbeddings(7, D);
        float[] vector = new float[D];
        long peakBetweenBatches = 0;
        long held;
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
        }
        long released = FaissIndex.nativeHeapBytes() - before;

        long codes = (long) ROWS * (M + 8); // PQ code + int64 id per row
        long batchNative = (long) BATCH * (4L * D * 2 + 8 + M); // vectors + residuals, ids, codes of one add call
        System.out.printf("shard of %,d rows x %d (IVF%d,PQ%d): trained index %.1f MiB, codes+ids %.1f MiB;"
                        + " native held at the end %.1f MiB (%.2f x codes beyond the index), largest between batches"
                        + " %.1f MiB; after close %.1f MiB%n", ROWS, D, NLIST, M, mib(trainedIndex), mib(codes),
                mib(held), (held - trainedIndex) / (double) codes, mib(peakBetweenBatches), mib(released));
        assertTrue(held >= trainedIndex + codes - SLACK, "the codes are in native memory: " + held);
        assertTrue(held <= trainedIndex + 2 * codes + batchNative + SLACK,
                "native use " + held + " above the formula's bound " + (trainedIndex + 2 * codes + batchNative));
        assertTrue(peakBetweenBatches <= trainedIndex + 2 * codes + batchNative + SLACK);
        assertTrue(released < SLACK, "close() frees the shard's native memory: " + released + " bytes left");
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
