package io.vecforge.faiss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecforge.testing.TestVectors;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A bare IVF index's lists grow a quarter at a time while vecforge adds rows in batches (vecforge_lists.h), not
 * by std::vector's doubling, and the index is still the one Faiss's own add writes.
 */
class ListGrowthTest {
    private static final int DIM = 24;
    private static final int ROWS = 40_000;
    private static final int BATCH = 1_000;

    @ParameterizedTest
    // PQ6 of 24-d: 4-d sub-vectors (TransposedPqAdd); PQ4: 6-d ones (Faiss's add_core)
    @CsvSource({"'IVF16,Flat', 96", "'IVF16,SQ8', 24", "'IVF16,PQ6np', 6", "'IVF16,PQ4np', 4"})
    void listsEndNearTheirEntriesAndHoldWhatFaissWrites(String factory, int codeSize) {
        float[] vectors = TestVectors.clustered(ROWS, DIM, 8);
        byte[] trained;
        try (FaissIndex index = FaissIndex.create(DIM, factory, Metric.L2)) {
            index.train(vectors, 10_000);
            trained = IndexBytes.of(index);
        }
        long[] ids = new long[ROWS];
        for (int i = 0; i < ROWS; i++) {
            ids[i] = 7L * i + 3;
        }
        try (FaissIndex ours = IndexBytes.load(trained); FaissIndex faiss = IndexBytes.load(trained)) {
            for (int start = 0; start < ROWS; start += BATCH) {
                float[] batch = Arrays.copyOfRange(vectors, start * DIM, (start + BATCH) * DIM);
                long[] batchIds = Arrays.copyOfRange(ids, start, start + BATCH);
                ours.addWithIds(batch, batchIds, BATCH);
                faiss.addWithIdsAsFaiss(batch, batchIds, BATCH);
            }
            long entries = (long) ROWS * (codeSize + 8);
            long gentle = ours.listBytesAllocated();
            long doubled = faiss.listBytesAllocated();
            System.out.printf("%s: lists allocated %.2f x their entries (Faiss's own add: %.2f)%n", factory,
                    gentle / (double) entries, doubled / (double) entries);
            assertTrue(gentle >= entries && gentle <= 1.3 * entries, factory + ": " + gentle + " bytes for "
                    + entries);
            assertArrayEquals(IndexBytes.of(faiss), IndexBytes.of(ours), factory);
        }
    }
}
