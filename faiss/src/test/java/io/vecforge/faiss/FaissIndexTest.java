package io.vecforge.faiss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecforge.testing.TestVectors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.bytedeco.javacpp.FloatPointer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FaissIndexTest {
    private static final int D = 16;

    @Test
    void faissTrainingProgressIsRoutedToAConsumerLineByLine() throws Exception {
        float[] data = TestVectors.clustered(4000, D, 3);
        java.util.List<String> lines = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        try (FaissIndex index = FaissIndex.create(D, "IVF16,PQ4np", Metric.L2)) {
            index.setTrainingVerbose(true);
            try (FaissOutput output = FaissOutput.capture(lines::add)) {
                index.train(data, 4000);
            }
        }
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("Clustering 4000 points in 16D to 16 clusters")), lines.toString());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("Iteration 9")), lines.toString());
        try (FaissIndex quiet = FaissIndex.create(D, "IVF16,Flat", Metric.L2)) {
            int before = lines.size();
            quiet.train(data, 4000);
            assertEquals(before, lines.size(), "nothing is captured once the capture is closed");
        }
    }

    @Test
    void slicesMergedUpToEachBoundFindWhatTheSearchAtThatNprobeFinds() {
        float[] data = TestVectors.clustered(4000, D, 3);
        float[] queries = Arrays.copyOfRange(TestVectors.clustered(4050, D, 9), 4000 * D, 4050 * D);
        long[] ids = new long[4000];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 10_000L + 7L * i;
        }
        int[] bounds = {1, 2, 4, 8, 13, 32};
        for (String factory : new String[] {"IVF32,PQ4np", "IVF32,Flat", "IVF32,SQ8"}) {
            for (Metric metric : new Metric[] {Metric.L2, Metric.INNER_PRODUCT}) {
                try (FaissIndex index = FaissIndex.create(D, factory, metric)) {
                    index.train(data, 4000);
                    index.addWithIds(data, ids, 4000);
                    assertTrue(index.slicesSearchable(), factory);
                    long[] nanos = new long[bounds.length + 1];
                    SearchResult[] slices = index.searchSlices(queries, 50, 10, bounds, nanos);
                    assertTrue(Arrays.stream(nanos).allMatch(t -> t > 0), Arrays.toString(nanos));
                    Neighbours merged = new Neighbours(50, 10, metric == Metric.L2);
                    for (int i = 0; i < bounds.length; i++) {
                        merged.offerAll(slices[i]);
                        index.setNprobe(bounds[i]);
                        Neighbours direct = new Neighbours(50, 10, metric == Metric.L2);
                        direct.offerAll(index.search(queries, 50, 10));
                        String what = factory + " " + metric + " nprobe " + bounds[i];
                        assertArrayEquals(direct.distances(), merged.distances(), what);
                        if (factory.endsWith("Flat")) {
                            assertArrayEquals(direct.ids(), merged.ids(), what);
                        } else {
                            assertTrue(merged.recallAgainst(direct) > 0.95, what); // equal codes tie
                        }
                    }
                }
            }
        }
        try (FaissIndex wrapped = FaissIndex.create(D, "PCA8,IVF8,Flat", Metric.L2)) {
            wrapped.train(data, 4000);
            assertFalse(wrapped.slicesSearchable());
            assertThrows(IllegalStateException.class,
                    () -> wrapped.searchSlices(queries, 50, 10, new int[] {1, 2}, new long[3]));
        }
        try (FaissIndex index = FaissIndex.create(D, "IVF8,Flat", Metric.L2)) {
            index.train(data, 4000);
            assertThrows(IllegalArgumentException.class,
                    () -> index.searchSlices(queries, 50, 10, new int[] {2, 2}, new long[3]), "bounds must rise");
            assertThrows(IllegalArgumentException.class,
                    () -> index.searchSlices(queries, 50, 10, new int[] {4, 9}, new long[3]), "beyond nlist");
        }
    }

    @Test
    void faissWarningsOnStderrAreCapturedAndComeOnceWithTheirCount() {
        float[] data = TestVectors.clustered(1000, D, 3);
        FaissWarnings warnings = new FaissWarnings();
        java.util.List<String> other = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        try (FaissIndex index = FaissIndex.create(D, "IVF4,PQ4", Metric.L2)) {
            try (FaissOutput output = FaissOutput.capture(line -> {
                if (!warnings.offer(line)) {
                    other.add(line);
                }
            })) {
                index.train(data, 1000); // 1000 points for the 256 centroids of each of the 4 PQ codebooks
            }
        }
        assertEquals(java.util.List.of("WARNING clustering 1000 points to 256 centroids: please provide at least 9984"
                + " training points (4 times)"), warnings.summary(), "other lines: " + other);
    }

    @Test
    void valuesFaissWouldAbortOnOrLoseAreRefusedBeforeTheNativeCall() {
        float[] data = TestVectors.clustered(400, D, 2);
        try (FaissIndex index = FaissIndex.create(D, "IVF4,Flat", Metric.L2)) {
            float[] nan = data.clone();
            nan[5 * D + 3] = Float.NaN;
            assertTrue(assertThrows(IllegalArgumentException.class, () -> index.train(nan, 400)).getMessage()
                    .contains("vector 5 component 3 is NaN"));
            float[] huge = data.clone();
            huge[7 * D] = 1e20f;
            assertTrue(assertThrows(IllegalArgumentException.class, () -> index.train(huge, 400)).getMessage()
                    .contains("vector 7 has squared L2 norm"));
            try (FloatPointer pointer = new FloatPointer(huge)) {
                assertThrows(IllegalArgumentException.class, () -> index.train(pointer, 400));
            }
            index.train(data, 400);
            long[] ids = new long[400];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = i;
            }
            ids[9] = -1;
            assertTrue(assertThrows(IllegalArgumentException.class, () -> index.addWithIds(data, ids, 400))
                    .getMessage().contains("id -1 (vector 9) is negative"));
            float[] infinite = Arrays.copyOf(data, D);
            infinite[0] = Float.POSITIVE_INFINITY;
            assertThrows(IllegalArgumentException.class, () -> index.add(infinite, 1));
            assertThrows(IllegalArgumentException.class, () -> index.search(infinite, 1, 1));
            assertThrows(IllegalArgumentException.class, () -> index.search(data, 1, 0));
            assertEquals(0, index.ntotal(), "nothing reached the index");
        }
    }

    @Test
    void trainsAddsAndSearchesAnIvfPqIndex() {
        float[] data = TestVectors.clustered(4000, D, 1);
        long[] ids = new long[4000];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 1_000_000L + i * 3L;
        }
        try (FaissIndex index = FaissIndex.create(D, "IVF16,PQ4np", Metric.L2)) {
            assertFalse(index.isTrained());
            assertEquals(D, index.dimension());
            assertEquals(Metric.L2, index.metric());
            assertTrue(index.isIvf());
            assertEquals(16, index.nlist());
            index.train(data, 4000);
            assertTrue(index.isTrained());
            index.addWithIds(data, ids, 4000);
            assertEquals(4000, index.ntotal());
            index.setNprobe(16);
            assertEquals(16, index.nprobe());

            SearchResult result = index.search(Arrays.copyOf(data, 10 * D), 10, 5);
            int selfHits = 0;
            for (int q = 0; q < 10; q++) {
                for (int r = 0; r < 5; r++) {
                    if (result.label(q, r) == ids[q]) {
                        selfHits++;
                    }
                }
            }
            assertTrue(selfHits >= 8, "a stored vector should find itself, found " + selfHits + "/10");

            long[] stored = index.ids();
            Arrays.sort(stored);
            assertArrayEquals(ids, stored);
        }
    }

    @Test
    void trainsFromNativeMemory() {
        float[] data = TestVectors.clustered(2000, D, 2);
        try (FaissIndex index = FaissIndex.create(D, "IVF8,Flat", Metric.INNER_PRODUCT);
                FloatPointer vectors = new FloatPointer(data)) {
            index.train(vectors, 2000);
            assertTrue(index.isTrained());
            assertEquals(Metric.INNER_PRODUCT, index.metric());
        }
    }

    @Test
    void roundTripsThroughBytesAndFiles(@TempDir Path dir) throws Exception {
        float[] data = TestVectors.clustered(3000, D, 3);
        try (FaissIndex index = FaissIndex.create(D, "IVF8,PQ4np", Metric.L2)) {
            index.train(data, 3000);
            index.add(data, 3000);
            SearchResult expected = index.search(Arrays.copyOf(data, 5 * D), 5, 4);

            byte[] bytes = IndexBytes.of(index);
            try (FaissIndex copy = IndexBytes.load(bytes)) {
                assertEquals(3000, copy.ntotal());
                assertArrayEquals(expected.labels(), copy.search(Arrays.copyOf(data, 5 * D), 5, 4).labels());
            }

            Path file = dir.resolve("index.faiss");
            index.write(file);
            assertArrayEquals(bytes, Files.readAllBytes(file), "file and byte serialisation agree");
            try (FaissIndex read = FaissIndex.read(file)) {
                assertArrayEquals(expected.labels(), read.search(Arrays.copyOf(data, 5 * D), 5, 4).labels());
            }
            try (FaissIndex clone = index.copy()) {
                assertEquals(3000, clone.ntotal());
            }
        }
    }

    @Test
    void reportsFaissErrorsWithTheirMessage() {
        IllegalArgumentException bad =
                assertThrows(IllegalArgumentException.class, () -> FaissIndex.create(D, "IVF16,PQ5", Metric.L2));
        assertTrue(bad.getMessage().contains("IVF16,PQ5"), bad.getMessage());
        try (FaissIndex index = FaissIndex.create(D, "IVF16,PQ4", Metric.L2)) {
            RuntimeException untrained =
                    assertThrows(RuntimeException.class, () -> index.add(new float[D], 1));
            assertTrue(untrained.getMessage().toLowerCase().contains("train"), untrained.getMessage());
        }
    }

    @Test
    void refusesUseAfterClose() {
        FaissIndex index = FaissIndex.create(D, "Flat", Metric.L2);
        index.close();
        index.close();
        assertTrue(index.isClosed());
        assertThrows(IllegalStateException.class, index::ntotal);
    }

    @Test
    void reportsVersionAndThreads() {
        assertEquals("1.15.0", FaissIndex.faissVersion());
        // faiss/pom.xml links the OpenMP build of OpenBLAS by rpath, whatever libopenblas.so.0 points at.
        assertEquals("OpenMP", SimdDispatch.blasThreading());
        FaissIndex.setThreads(1, 1);
        assertEquals(1, FaissIndex.openMpMaxThreads());
        FaissIndex.setThreads(2, 1);
        assertEquals(2, FaissIndex.openMpMaxThreads());
    }
}
