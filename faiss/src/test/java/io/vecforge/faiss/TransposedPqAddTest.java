package io.vecforge.faiss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vecforge.testing.TestVectors;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * vecforge's IVF-PQ add (codes of 4-dimensional sub-vectors found on centroids transposed once per batch) writes
 * the index Faiss's own add writes, byte for byte, and runs where it should.
 */
class TransposedPqAddTest {
    private static final int DIM = 32;
    private static final int ROWS = 4_000;
    private static final int BATCH = 1_000;

    @AfterEach
    void unpin() {
        SimdDispatch.pin("auto");
    }

    @ParameterizedTest
    @ValueSource(strings = {"AVX512", "AVX2"})
    void theAddIsFaisssOwnByteForByte(String level) {
        assumeTrue(SimdDispatch.available(level), "the transposed encoder repeats Faiss's " + level + " kernel");
        SimdDispatch.pin(level);
        SplittableRandom random = new SplittableRandom(5);
        float[] gaussian = new float[ROWS * DIM];
        float[] binary = new float[ROWS * DIM]; // few distinct sub-vectors: equal distances to tell apart by order
        for (int i = 0; i < gaussian.length; i++) {
            gaussian[i] = (float) random.nextGaussian();
            binary[i] = random.nextInt(2);
        }
        float[][] data = {TestVectors.clustered(ROWS, DIM, 4), gaussian, binary};
        for (float[] vectors : data) {
            for (String factory : new String[] {"IVF16,PQ8np", "IVF1,PQ8np"}) {
                for (Metric metric : new Metric[] {Metric.L2, Metric.INNER_PRODUCT}) {
                    compare(factory, metric, vectors, true);
                }
            }
        }
    }

    @Test
    void otherLevelsAndCodesAreLeftToFaiss() {
        float[] vectors = TestVectors.clustered(ROWS, DIM, 6);
        compare("IVF16,PQ16np", Metric.L2, vectors, false); // 2-dimensional sub-vectors
        compare("IVF16,PQ8x6np", Metric.L2, vectors, false); // 6-bit codes
        SimdDispatch.pin("NONE"); // Faiss's scalar kernels
        compare("IVF16,PQ8np", Metric.L2, vectors, false);
    }

    private static void compare(String factory, Metric metric, float[] vectors, boolean transposed) {
        byte[] trained;
        try (FaissIndex index = FaissIndex.create(DIM, factory, metric)) {
            index.train(vectors, ROWS);
            trained = IndexBytes.of(index);
        }
        long[] ids = new long[ROWS];
        for (int i = 0; i < ROWS; i++) {
            ids[i] = 1_000_000_007L * (i % 7) + i;
        }
        try (FaissIndex faiss = IndexBytes.load(trained); FaissIndex ours = IndexBytes.load(trained)) {
            assertEquals(transposed, ours.addsThroughTransposedPq(), factory);
            for (int start = 0; start < ROWS; start += BATCH) {
                float[] batch = java.util.Arrays.copyOfRange(vectors, start * DIM, (start + BATCH) * DIM);
                long[] batchIds = java.util.Arrays.copyOfRange(ids, start, start + BATCH);
                faiss.addWithIdsAsFaiss(batch, batchIds, BATCH);
                ours.addWithIds(batch, batchIds, BATCH);
            }
            assertArrayEquals(IndexBytes.of(faiss), IndexBytes.of(ours), factory + " " + metric);
        }
    }
}
