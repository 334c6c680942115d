package io.vecforge.faiss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecforge.testing.TestVectors;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * vecforge's polysemous training (Faiss's objective and annealing, the swap's cost summed along rows) against
 * Faiss's own: the same reordered codebooks, byte for byte, on these data. Rounding could in principle flip an
 * annealing step whose cost change is within rounding of zero; then only the order of centroids would differ.
 */
class PolysemousTrainingTest {
    private static final int DIM = 16;

    private static byte[] trained(String factory, float[] vectors, int n, boolean asFaiss) {
        try (FaissIndex index = FaissIndex.create(DIM, factory, Metric.L2)) {
            if (asFaiss) {
                index.trainAsFaiss(vectors, n);
            } else {
                index.train(vectors, n);
            }
            return IndexBytes.of(index);
        }
    }

    @Test
    void thePolysemousReorderingIsFaisssOwnByteForByte() {
        float[] vectors = TestVectors.clustered(12_000, DIM, 21);
        for (String factory : new String[] {"IVF16,PQ4", "IVF16,PQ8x6"}) { // 8-bit and 6-bit codes
            byte[] faiss = trained(factory, vectors, 12_000, true);
            assertArrayEquals(faiss, trained(factory, vectors, 12_000, false), factory);
        }
        // and the reordering happened: without it the codebooks are another order of the same centroids
        assertFalse(Arrays.equals(trained("IVF16,PQ4", vectors, 12_000, false),
                trained("IVF16,PQ4np", vectors, 12_000, false)));
    }

    /**
     * 15-bit codes: the reordering's distance, target and weight tables (3 x 2^15 x 2^15 doubles, 25.8 GB a
     * thread) are over Faiss's 20 GiB PolysemousTraining.max_memory. The training is refused with an exception
     * before it starts (these 1,000 points are far fewer than the 32,768 codewords' k-means needs, so any k-means
     * run would fail with another message), not after minutes of k-means nor inside the parallel loop, where a
     * failed allocation would abort the process.
     */
    @Test
    void aReorderingOverThePolysemousMemoryLimitIsRefusedBeforeTheTrainingStarts() {
        float[] vectors = TestVectors.clustered(1_000, 1, 4);
        try (FaissIndex index = FaissIndex.create(1, "IVF1,PQ1x15", Metric.L2)) {
            RuntimeException refused = assertThrows(RuntimeException.class, () -> index.train(vectors, 1_000));
            assertTrue(refused.getMessage().contains("Polysemous training would use 25769803776 bytes per thread"),
                    refused.getMessage());
            assertFalse(index.isTrained());
        }
        try (FaissIndex index = FaissIndex.create(1, "IVF1,PQ1x15np", Metric.L2)) {
            RuntimeException kmeans = assertThrows(RuntimeException.class, () -> index.train(vectors, 1_000));
            assertFalse(kmeans.getMessage().contains("Polysemous"), "without polysemous training: " + kmeans.getMessage());
        }
    }
}
