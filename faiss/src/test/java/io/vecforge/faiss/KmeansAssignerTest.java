package io.vecforge.faiss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.vecforge.testing.TestVectors;
import java.nio.file.Files;
import org.bytedeco.javacpp.FloatPointer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The plug-in point of GPU training, exercised on the CPU with Faiss's own flat index behind it. */
class KmeansAssignerTest {
    private static final int ROWS = 6_000;
    private static final int DIM = 16;

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        "'IVF32,PQ4x8', L2, 4",      // coarse k-means + 4 PQ codebooks, polysemous training on
        "'IVF32,PQ8np', L2, 8",
        "'IVF16,PQ4np', INNER_PRODUCT, 4",
        "'IVF16,PQ4np', COSINE, 4",
        "'IVF32,SQ8', L2, 0",        // no product quantizer: only the coarse quantizer's k-means
        "'PCAR8,IVF16,PQ2np', L2, 2" // behind a pre-transform
    })
    void theStandInTrainsByteForByteLikeFaissDefault(String factory, Metric metric, int codebooks) {
        float[] vectors = TestVectors.clustered(ROWS, DIM, 7);
        if (metric.normalizes()) {
            for (int row = 0; row < ROWS; row++) {
                Metric.normalize(vectors, row * DIM, DIM);
            }
        }
        byte[] reference;
        try (FaissIndex index = FaissIndex.create(DIM, factory, metric);
                FloatPointer x = new FloatPointer(vectors)) {
            index.train(x, ROWS);
            reference = IndexBytes.of(index);
        }
        try (FaissIndex index = FaissIndex.create(DIM, factory, metric);
                FloatPointer x = new FloatPointer(vectors);
                KmeansAssigner standIn = KmeansAssigner.cpuStandIn()) {
            index.train(x, ROWS, standIn);
            assertArrayEquals(reference, IndexBytes.of(index), "trained index differs from Faiss's default training");
            // Every k-means asks once per iteration: at most Faiss's defaults (10 iterations for the coarse
            // quantizer, 25 for each PQ codebook; Faiss 1.15 stops a k-means early once its objective no
            // longer changes), and at least once each, so the plug-in answered every one of them; and one
            // more: IndexIVF::train's assignment of the whole sample to lists before the residuals.
            long searches = standIn.searches();
            assertTrue(searches >= 2L + codebooks && searches <= 11L + 25L * codebooks,
                    "k-means assignment searches: " + searches);
            assertEquals(ROWS, standIn.listAssignedVectors(), "the sample's assignment to lists");
            assertTrue(standIn.searchedVectors() >= standIn.searches() * 16 * 39, "vectors assigned");
            try (FaissIndex copy = index.copy()) {
                assertArrayEquals(reference, IndexBytes.of(copy), "a copy carries no assignment hook");
            }
        }
    }

    @Test
    void aNonExactCoarseQuantizerKeepsItsOwnListAssignment() {
        // IVF_HNSW: the coarse k-means goes through the assigner, but the sample's lists are the HNSW graph's
        // answers (approximate), which an exact search must not replace
        float[] vectors = TestVectors.clustered(ROWS, DIM, 3);
        byte[] reference;
        try (FaissIndex index = FaissIndex.create(DIM, "IVF32_HNSW8,PQ4np", Metric.L2);
                FloatPointer x = new FloatPointer(vectors)) {
            index.train(x, ROWS);
            reference = IndexBytes.of(index);
        }
        try (FaissIndex index = FaissIndex.create(DIM, "IVF32_HNSW8,PQ4np", Metric.L2);
                FloatPointer x = new FloatPointer(vectors);
                KmeansAssigner standIn = KmeansAssigner.cpuStandIn()) {
            index.train(x, ROWS, standIn);
            assertArrayEquals(reference, IndexBytes.of(index), "trained index differs from Faiss's default training");
            assertEquals(0, standIn.listAssignedVectors(), "no exact list assignment for an HNSW quantizer");
            assertTrue(standIn.searches() >= 2, "the coarse and PQ k-means still go through the assigner");
        }
    }

    @Test
    void onlyIvfIndexesTrainWithAnAssigner() {
        try (FaissIndex flat = FaissIndex.create(DIM, "PQ4", Metric.L2);
                FloatPointer x = new FloatPointer(TestVectors.clustered(2_000, DIM, 1));
                KmeansAssigner standIn = KmeansAssigner.cpuStandIn()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> flat.train(x, 2_000, standIn));
            assertEquals("only IVF indexes train with a k-means assigner", e.getMessage());
        }
    }

    @Test
    void theGpuLibraryIsPackedAndItsProbeSaysWhyThereIsNoGpu() throws Exception {
        assertTrue(Files.size(GpuLibrary.path()) > 0, "libvecforge_gpu.so in the jar");
        GpuLibrary.Probe probe = GpuLibrary.probe();
        assumeFalse(probe.available(), "this machine has a GPU: " + probe.names());
        assertEquals(0, probe.devices());
        if (GpuLibrary.hasDeviceNode()) {
            assertTrue(probe.reason().startsWith("CUDA: ") || probe.reason().startsWith("cuBLAS"), probe.reason());
        } else {
            assertEquals(GpuLibrary.NO_DEVICE, probe.reason(), "no device is not a driver problem");
        }
        assertTrue(probe.names().isEmpty());
        GpuUnavailableException e = assertThrows(GpuUnavailableException.class, () -> KmeansAssigner.gpu(0));
        assertEquals("no usable GPU: " + probe.reason(), e.getMessage());
    }

    @Test
    void aClosedAssignerIsRefused() {
        KmeansAssigner standIn = KmeansAssigner.cpuStandIn();
        standIn.close();
        standIn.close();
        assertFalse(assertThrows(IllegalStateException.class, standIn::searches).getMessage().isEmpty());
    }
}
