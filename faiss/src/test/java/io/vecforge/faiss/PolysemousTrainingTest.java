package io.vecforge.faiss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

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
}
