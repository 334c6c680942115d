package io.vecforge.faiss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecforge.testing.TestVectors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A trained index read to add rows to ({@link FaissIndex#readForAdding}) leaves out the IVF-PQ precomputed table
 * where that is all Faiss's skip flag changes, and writes, once rows are added, the file an index read whole writes.
 */
class ReadForAddingTest {
    private static final int DIM = 24;
    private static final int ROWS = 20_000;

    @TempDir
    Path dir;

    @ParameterizedTest
    // table skipped: IVF-PQ on a flat quantizer, bare or behind OPQ. Read whole: a residual coarse quantizer (the
    // flag would switch its beam search off), indexes without the table.
    @CsvSource({"'IVF16,PQ6np', false", "'OPQ4,IVF16,PQ4np', false", "'IVF256(RCQ2x4),PQ4np', true", "'IVF16,SQ8', false",
            "'IVF16,Flat', false"})
    void rowsAddedToAnIndexReadForAddingWriteTheFileOfOneReadWhole(String factory, boolean keepsTable)
            throws IOException {
        float[] vectors = TestVectors.clustered(ROWS, DIM, 8);
        Path trained = dir.resolve("trained.faiss");
        try (FaissIndex index = FaissIndex.create(DIM, factory, Metric.L2)) {
            index.train(vectors, factory.startsWith("OPQ") ? 3_000 : 10_000);
            index.write(trained);
        }
        long[] ids = new long[ROWS];
        for (int i = 0; i < ROWS; i++) {
            ids[i] = 5L * i + 1;
        }
        try (FaissIndex whole = FaissIndex.read(trained); FaissIndex adding = FaissIndex.readForAdding(trained)) {
            boolean pq = factory.contains("PQ");
            assertEquals(pq, whole.hasPqTable(), factory + ": the table Faiss builds on reading");
            assertEquals(pq && keepsTable, adding.hasPqTable(), factory);
            whole.addWithIds(vectors, ids, ROWS);
            adding.addWithIds(vectors, ids, ROWS);
            assertArrayEquals(IndexBytes.of(whole), IndexBytes.of(adding), factory);
        }
    }

    @Test
    void aFileFaissCannotReadFailsAsItDoesForRead() throws IOException {
        Path damaged = Files.write(dir.resolve("damaged.faiss"), new byte[] {'I', 'w', 'P', 'Q', 1, 2, 3});
        RuntimeException read = assertThrows(RuntimeException.class,
                () -> FaissIndex.read(damaged).close());
        RuntimeException forAdding = assertThrows(RuntimeException.class,
                () -> FaissIndex.readForAdding(damaged).close());
        assertTrue(forAdding.getMessage() != null && !forAdding.getMessage().isBlank(), forAdding.toString());
        assertEquals(read.getClass(), forAdding.getClass());
    }
}
