package io.vecforge.faiss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecforge.testing.TestVectors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Inverted lists kept on disk (vecforge_lists_on_disk.h): a shard built on spilled lists writes the file Faiss's
 * own array lists write, byte for byte, and a shard read with its lists left in the file answers every search and
 * check as the whole index does.
 */
class ListsOnDiskTest {
    private static final int DIM = 24;
    private static final int ROWS = 30_000;
    private static final int BATCH = 1_000;

    @TempDir
    Path dir;

    @AfterEach
    void oneThreadAgain() {
        FaissIndex.setThreads(1, 1);
    }

    @ParameterizedTest
    // buffers of 1 byte: chunks of the smallest size (8 entries), every list spilled many times; 200,000 bytes:
    // chunks of about 1,000 entries, each list's first on disk and the rest in memory; 1 MiB: the largest chunks
    // (4,096 entries), which no list fills. PQ6 of 24-d takes TransposedPqAdd, PQ4 Faiss's add_core; OPQ puts the IVF inside a
    // transform, whose add is Faiss's own.
    @CsvSource({"'IVF16,Flat', 1, 1", "'IVF16,SQ8', 1, 2", "'IVF16,PQ6np', 1, 2", "'IVF16,PQ4np', 200000, 1",
            "'IVF16,PQ6np', 1048576, 2", "'OPQ4,IVF16,PQ4np', 1, 2"})
    void spilledListsWriteTheFileFaissOwnListsWrite(String factory, long bufferBytes, int threads) throws IOException {
        float[] vectors = TestVectors.clustered(ROWS, DIM, 8);
        byte[] trained = trained(factory, vectors);
        long[] ids = ids(ROWS);
        FaissIndex.setThreads(threads, 1);
        try (FaissIndex spilled = IndexBytes.load(trained); FaissIndex faiss = IndexBytes.load(trained)) {
            assertTrue(spilled.spillLists(dir, bufferBytes), factory);
            for (int start = 0; start < ROWS; start += BATCH) {
                float[] batch = Arrays.copyOfRange(vectors, start * DIM, (start + BATCH) * DIM);
                long[] batchIds = Arrays.copyOfRange(ids, start, start + BATCH);
                spilled.addWithIds(batch, batchIds, BATCH);
                faiss.addWithIdsAsFaiss(batch, batchIds, BATCH);
            }
            if (bufferBytes < 1_000_000) {
                assertTrue(spilled.spilledBytes() > 0, "nothing reached the disk");
            } else {
                assertEquals(0, spilled.spilledBytes(), "no list fills a chunk of 4,096 entries");
            }
            assertEquals(faiss.components(), spilled.components());
            assertArrayEquals(IndexBytes.of(faiss), IndexBytes.of(spilled), factory);
            // lists read back from the scratch file answer as the in-memory ones
            assertArrayEquals(faiss.listSizes(), spilled.listSizes());
            assertArrayEquals(faiss.ids(), spilled.ids());
            float[] queries = Arrays.copyOfRange(vectors, 0, 50 * DIM);
            faiss.setNprobe(4);
            spilled.setNprobe(4);
            assertSameAnswers(faiss.search(queries, 50, 10), spilled.search(queries, 50, 10));
        }
        try (var left = Files.list(dir)) {
            assertEquals(0, left.count(), "the scratch file is unlinked when it is made");
        }
    }

    @Test
    void mostlyEmptyListsAreWrittenSparselyAsFaissWritesThem() {
        float[] vectors = TestVectors.clustered(20_000, DIM, 5);
        byte[] trained = trained("IVF256,PQ4np", vectors);
        long[] ids = ids(60);
        float[] few = Arrays.copyOfRange(vectors, 0, 60 * DIM);
        try (FaissIndex spilled = IndexBytes.load(trained); FaissIndex faiss = IndexBytes.load(trained)) {
            assertTrue(spilled.spillLists(dir, 1));
            spilled.addWithIds(few, ids, 60);
            faiss.addWithIdsAsFaiss(few, ids, 60);
            assertTrue(Arrays.stream(faiss.listSizes()).filter(size -> size > 0).count() <= 128,
                    "the sparse layout needs most lists empty");
            assertArrayEquals(IndexBytes.of(faiss), IndexBytes.of(spilled));
        }
    }

    @Test
    void listsLeftInTheFileAnswerAsTheWholeIndexAndSurviveTheFileBeingDeleted() throws IOException {
        float[] vectors = TestVectors.clustered(ROWS, DIM, 9);
        Path file = writtenShard("IVF32,PQ6", vectors);
        float[] queries = Arrays.copyOfRange(vectors, 100 * DIM, 300 * DIM);
        FaissIndex.setThreads(2, 1);
        try (FaissIndex whole = FaissIndex.read(file); FaissIndex onDisk = FaissIndex.readListsOnDisk(file)) {
            Files.delete(file);
            assertTrue(onDisk.listsInFile());
            assertFalse(whole.listsInFile());
            assertEquals(whole.ntotal(), onDisk.ntotal());
            assertEquals(whole.components(), onDisk.components());
            assertArrayEquals(whole.listSizes(), onDisk.listSizes());
            assertArrayEquals(whole.ids(), onDisk.ids());
            assertArrayEquals(whole.idBounds(), onDisk.idBounds());
            whole.setNprobe(8);
            onDisk.setNprobe(8);
            assertSameAnswers(whole.search(queries, 200, 10), onDisk.search(queries, 200, 10));
            int[] bounds = {1, 2, 4, 8};
            SearchResult[] wholeSlices = whole.searchSlices(queries, 200, 10, bounds, new long[5]);
            SearchResult[] diskSlices = onDisk.searchSlices(queries, 200, 10, bounds, new long[5]);
            for (int i = 0; i < bounds.length; i++) {
                assertSameAnswers(wholeSlices[i], diskSlices[i]);
            }
            assertThrows(RuntimeException.class, () -> onDisk.removeIds(new long[] {3}, 1), "the lists are read-only");
        }
    }

    @Test
    void indexesWithoutArrayListsAreReadWholeAndNotSpilled() {
        float[] vectors = TestVectors.clustered(2_000, DIM, 2);
        Path file = dir.resolve("flat.faiss");
        try (FaissIndex flat = FaissIndex.create(DIM, "Flat", Metric.L2)) {
            assertFalse(flat.spillLists(dir, 1 << 20));
            assertEquals(-1, flat.spilledBytes());
            flat.add(vectors, 2_000);
            flat.write(file);
        }
        try (FaissIndex read = FaissIndex.readListsOnDisk(file)) {
            assertFalse(read.listsInFile());
            assertEquals(2_000, read.ntotal());
        }
        try (FaissIndex filled = IndexBytes.load(trained("IVF16,Flat", vectors))) {
            filled.addWithIds(Arrays.copyOf(vectors, DIM), new long[] {1}, 1);
            assertFalse(filled.spillLists(dir, 1 << 20), "only an empty index's lists are spilled");
        }
    }

    @Test
    void aFileShorterThanItsListsIsRefusedWhenRead() throws IOException {
        Path file = writtenShard("IVF16,PQ4np", TestVectors.clustered(ROWS, DIM, 4));
        byte[] bytes = Files.readAllBytes(file);
        Path cut = Files.write(dir.resolve("cut.faiss"), Arrays.copyOf(bytes, bytes.length - 100));
        // refused lazily (a list ends past the file), then read whole, which fails as Faiss fails it
        assertThrows(RuntimeException.class, () -> FaissIndex.readListsOnDisk(cut).close());
    }

    @Test
    void aDiskThatFillsInTheMiddleOfAnAddFailsTheAddAndNotTheProcess() throws Exception {
        // a JVM of its own, whose file-size limit it lowers to 64 KiB once Faiss is loaded: 40,000 entries of 12
        // bytes outgrow it inside Faiss's OpenMP add loop
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"),
                SpillFailureMain.class.getName(), dir.toString(), "65536").redirectErrorStream(true).start();
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = child.waitFor();
        assertEquals(0, exit, "the process ended (a native abort is 134): " + out);
        assertTrue(out.contains("FAILED: ") && out.contains("File too large"), out);
        try (var left = Files.list(dir)) {
            assertEquals(0, left.count(), "the scratch file is gone with the index");
        }
    }

    @Test
    void aDirectoryThatCannotHoldTheScratchFileIsRefused() {
        try (FaissIndex index = IndexBytes.load(trained("IVF16,Flat", TestVectors.clustered(2_000, DIM, 1)))) {
            IllegalStateException refused = assertThrows(IllegalStateException.class,
                    () -> index.spillLists(dir.resolve("missing"), 1 << 20));
            assertTrue(refused.getMessage().contains("missing"), refused.getMessage());
            assertEquals(-1, index.spilledBytes(), "the lists stay Faiss's own");
        }
    }

    @Test
    void panoramaListsWhichFaissCannotSkipAreReadWhole() throws IOException {
        float[] vectors = TestVectors.clustered(5_000, DIM, 6);
        Path file = dir.resolve("panorama.faiss");
        try (FaissIndex built = IndexBytes.load(trained("IVF16,FlatPanorama4", vectors))) {
            assertFalse(built.spillLists(dir, 1), "Panorama's lists keep more per entry than ids and codes");
            built.addWithIds(vectors, ids(5_000), 5_000);
            built.write(file);
        }
        float[] queries = Arrays.copyOf(vectors, 20 * DIM);
        try (FaissIndex whole = FaissIndex.read(file); FaissIndex read = FaissIndex.readListsOnDisk(file)) {
            assertFalse(read.listsInFile());
            whole.setNprobe(4);
            read.setNprobe(4);
            assertSameAnswers(whole.search(queries, 20, 5), read.search(queries, 20, 5));
        }
    }

    private static void assertSameAnswers(SearchResult expected, SearchResult actual) {
        assertArrayEquals(expected.labels(), actual.labels());
        assertArrayEquals(expected.distances(), actual.distances());
    }

    /** A shard of every row of vectors, built in memory as Faiss builds it and written to shard.faiss. */
    private Path writtenShard(String factory, float[] vectors) {
        Path file = dir.resolve("shard.faiss");
        int rows = vectors.length / DIM;
        try (FaissIndex built = IndexBytes.load(trained(factory, vectors))) {
            built.addWithIds(vectors, ids(rows), rows);
            built.write(file);
        }
        return file;
    }

    private static byte[] trained(String factory, float[] vectors) {
        try (FaissIndex index = FaissIndex.create(DIM, factory, Metric.L2)) {
            index.train(vectors, Math.min(factory.startsWith("OPQ") ? 3_000 : 10_000, vectors.length / DIM));
            return IndexBytes.of(index);
        }
    }

    private static long[] ids(int n) {
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) {
            ids[i] = 7L * i + 3;
        }
        return ids;
    }
}
