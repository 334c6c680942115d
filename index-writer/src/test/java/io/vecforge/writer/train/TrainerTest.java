package io.vecforge.writer.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecforge.faiss.FaissIndex;
import io.vecforge.faiss.IndexBytes;
import io.vecforge.faiss.Metric;
import io.vecforge.testing.TestVectors;
import io.vecforge.writer.shard.EmbeddingCursor;
import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class TrainerTest {
    private static final int DIM = 16;

    /** Rows 0..n-1 of a flat array. */
    private static EmbeddingCursor cursor(float[] vectors, int dimension) {
        return new EmbeddingCursor() {
            private int row = -1;

            @Override
            public boolean next() {
                return ++row < vectors.length / dimension;
            }

            @Override
            public long id() {
                return row;
            }

            @Override
            public float[] vector() {
                return Arrays.copyOfRange(vectors, row * dimension, (row + 1) * dimension);
            }

            @Override
            public void close() {}
        };
    }

    /** The PCA factory is index.factory=auto's other codec-trial candidate: the GPU path trains it too. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"IVF32,PQ4np", "PCAR4,IVF32,SQ8"})
    void theGpuPathWithTheCpuAssignerTrainsWhatTheCpuTrainerTrains(String factory) throws IOException {
        float[] vectors = TestVectors.clustered(5_000, DIM, 3);
        byte[] cpu;
        try (FaissIndex trained = new CpuTrainer().train(cursor(vectors, DIM), 5_000, DIM, factory, Metric.L2)) {
            cpu = IndexBytes.of(trained);
        }
        Trainer gpuPath = new GpuTrainer(io.vecforge.faiss.KmeansAssigner::cpu);
        assertEquals("gpu", gpuPath.kind());
        try (FaissIndex trained = gpuPath.train(cursor(vectors, DIM), 5_000, DIM, factory, Metric.L2)) {
            assertArrayEquals(cpu, IndexBytes.of(trained));
        }
    }

    @Test
    void polysemousTrainingRunsOnlyWhenTheFactoryAsksForItAndEveryPhaseIsTimed() throws IOException {
        float[] vectors = TestVectors.clustered(5_000, DIM, 4);
        Trainer trainer = new CpuTrainer();
        byte[] polysemous;
        try (FaissIndex trained = trainer.train(cursor(vectors, DIM), 5_000, DIM, "IVF32,PQ4", Metric.L2)) {
            polysemous = IndexBytes.of(trained);
        }
        java.util.Map<String, Long> withReordering = trainer.lastPhases();
        // vecforge's reordering runs after Faiss's train (which it leaves out), so after the tables Faiss computes
        assertEquals(java.util.List.of("load", "start", "coarse-kmeans", "residuals", "pq-codebooks",
                "precompute-tables", "polysemous", "quantizer-fit"), java.util.List.copyOf(withReordering.keySet()));
        byte[] plain;
        int threads = FaissIndex.openMpMaxThreads();
        FaissIndex.setThreads(2, 1); // the codebooks train side by side: the residuals' assignment measures the fit
        try (FaissIndex trained = trainer.train(cursor(vectors, DIM), 5_000, DIM, "IVF32,PQ4np", Metric.L2)) {
            plain = IndexBytes.of(trained);
            assertTrue(trained.trainedSampleFit().isPresent(), "the training measured the fit itself");
            // vecforge's assigner and a search of the trained quantizer round the distances differently
            double streamed = QuantizerFit.meanDistance(trained, cursor(vectors, DIM), Metric.L2);
            assertEquals(streamed, trainer.lastQuantizerFit(), 1e-6 * streamed);
        }
        FaissIndex.setThreads(1, 1); // one thread: Faiss's own train, then a pass over the sample in native memory
        try (FaissIndex trained = trainer.train(cursor(vectors, DIM), 5_000, DIM, "IVF32,PQ4np", Metric.L2)) {
            assertTrue(trained.trainedSampleFit().isEmpty());
            assertEquals(QuantizerFit.meanDistance(trained, cursor(vectors, DIM), Metric.L2),
                    trainer.lastQuantizerFit(), 0.0);
        } finally {
            FaissIndex.setThreads(threads, 1);
        }
        assertEquals(java.util.List.of("load", "start", "coarse-kmeans", "residuals", "pq-codebooks",
                "precompute-tables", "quantizer-fit"), java.util.List.copyOf(trainer.lastPhases().keySet()));
        // PQ4 and PQ4np stay different indexes: the reordering permutes the PQ codebooks' centroids
        assertEquals(polysemous.length, plain.length);
        assertFalse(Arrays.equals(polysemous, plain), "polysemous training changed the codebooks");
    }

    @Test
    void phasesSplitAtFaissLinesAndSumToTheTrainingTime() {
        TrainingPhases phases = new TrainingPhases(0);
        assertFalse(phases.line("some preamble", 1_000_000));
        assertTrue(phases.line("Training level-1 quantizer", 2_000_000));
        assertFalse(phases.line("Training level-1 quantizer on 100 vectors in 8D", 3_000_000));
        assertTrue(phases.line("Training IVF residual", 12_000_000));
        assertTrue(phases.line("  Training PQ slice 0/4", 13_000_000));
        assertFalse(phases.line("Training PQ slice 1/4", 14_000_000));
        assertTrue(phases.line("precomputing IVFPQ tables type 1", 20_000_000));
        assertEquals(java.util.Map.of("start", 2L, "coarse-kmeans", 10L, "residuals", 1L, "pq-codebooks", 7L,
                "precompute-tables", 1L), phases.finish(21_000_000));
    }

    @Test
    void anOpqRotationsOwnProductQuantizersStayInItsPhase() {
        TrainingPhases phases = new TrainingPhases(0);
        assertTrue(phases.line("OPQMatrix::train: training an OPQ rotation matrix for M=4 from 100 vectors",
                1_000_000));
        assertFalse(phases.line("Training PQ slice 0/4", 2_000_000));
        assertFalse(phases.line("Training PQ slice 0/4", 30_000_000));
        assertTrue(phases.line("Training level-1 quantizer", 41_000_000));
        assertTrue(phases.line("Training IVF residual", 45_000_000));
        assertTrue(phases.line("Training PQ slice 0/4", 46_000_000));
        assertEquals(java.util.Map.of("start", 1L, "opq-rotation", 40L, "coarse-kmeans", 4L, "residuals", 1L,
                "pq-codebooks", 4L), phases.finish(50_000_000));
    }

    @Test
    void anOpqFactoryTrainsItsRotationFirstAsItsOwnPhase() throws IOException {
        float[] vectors = TestVectors.clustered(5_000, DIM, 5);
        Trainer trainer = new CpuTrainer();
        try (FaissIndex trained = trainer.train(cursor(vectors, DIM), 5_000, DIM, "OPQ4,IVF32,PQ4np", Metric.L2)) {
            assertTrue(trained.isTrained());
        }
        assertEquals(java.util.List.of("load", "start", "opq-rotation", "coarse-kmeans", "residuals", "pq-codebooks",
                "precompute-tables", "quantizer-fit"), java.util.List.copyOf(trainer.lastPhases().keySet()));
    }

    @Test
    void aSampleShorterOrLongerThanAnnouncedIsRefused() {
        float[] vectors = TestVectors.clustered(2_000, DIM, 3);
        IllegalStateException shorter = assertThrows(IllegalStateException.class,
                () -> new CpuTrainer().train(cursor(vectors, DIM), 2_001, DIM, "IVF16,PQ4np", Metric.L2));
        assertEquals("training sample holds 2000 rows, expected 2001", shorter.getMessage());
        IllegalStateException longer = assertThrows(IllegalStateException.class,
                () -> new CpuTrainer().train(cursor(vectors, DIM), 1_999, DIM, "IVF16,PQ4np", Metric.L2));
        assertEquals("training sample holds 2000 rows, expected 1999", longer.getMessage());
    }
}
