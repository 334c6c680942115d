package io.vecforge.writer.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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

    @Test
    void theGpuPathWithTheCpuStandInTrainsWhatTheCpuTrainerTrains() throws IOException {
        float[] vectors = TestVectors.clustered(5_000, DIM, 3);
        byte[] cpu;
        try (FaissIndex trained = new CpuTrainer().train(cursor(vectors, DIM), 5_000, DIM, "IVF32,PQ4np", Metric.L2)) {
            cpu = IndexBytes.of(trained);
        }
        Trainer gpuPath = new GpuTrainer(io.vecforge.faiss.KmeansAssigner::cpuStandIn);
        assertEquals("gpu", gpuPath.kind());
        try (FaissIndex trained = gpuPath.train(cursor(vectors, DIM), 5_000, DIM, "IVF32,PQ4np", Metric.L2)) {
            assertArrayEquals(cpu, IndexBytes.of(trained));
        }
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
