package io.vecforge.writer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecforge.faiss.FaissIndex;
import io.vecforge.faiss.Metric;
import io.vecforge.writer.shard.EmbeddingCursor;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CodecTrialTest {
    private static final int ROWS = 12_000;
    private static final int DIM = 64;

    /** Rows in a {@code rank}-dimensional subspace of DIM (clustered), plus {@code noise}; rank DIM: isotropic. */
    private static float[] rows(int rank, float noise, long seed) {
        Random random = new Random(seed);
        float[] basis = new float[rank * DIM];
        for (int i = 0; i < basis.length; i++) {
            basis[i] = (float) random.nextGaussian();
        }
        float[][] centres = new float[32][rank];
        for (float[] centre : centres) {
            for (int j = 0; j < rank; j++) {
                centre[j] = (float) (2 * random.nextGaussian());
            }
        }
        float[] vectors = new float[ROWS * DIM];
        float[] latent = new float[rank];
        for (int r = 0; r < ROWS; r++) {
            float[] centre = centres[random.nextInt(centres.length)];
            for (int j = 0; j < rank; j++) {
                latent[j] = centre[j] + (float) random.nextGaussian();
            }
            for (int c = 0; c < DIM; c++) {
                float value = (float) (noise * random.nextGaussian());
                for (int j = 0; j < rank; j++) {
                    value += latent[j] * basis[j * DIM + c];
                }
                vectors[r * DIM + c] = value;
            }
        }
        return vectors;
    }

    private static CodecTrial.SampleSource source(float[] vectors, int dim) {
        return () -> new EmbeddingCursor() {
            private int row = -1;

            @Override
            public boolean next() {
                return ++row < vectors.length / dim;
            }

            @Override
            public long id() {
                return 1_000_000L + row;
            }

            @Override
            public float[] vector() {
                return Arrays.copyOfRange(vectors, row * dim, (row + 1) * dim);
            }

            @Override
            public void close() {}
        };
    }

    private static CodecTrial.Result run(float[] vectors, List<String> factories, Metric metric) throws IOException {
        return CodecTrial.run(new CpuTrainer(), source(vectors, DIM), ROWS, DIM, factories, metric);
    }

    @Test
    void anExactCodeMeasuresRecallOneUnderEveryMetric() throws IOException {
        float[] vectors = rows(DIM, 0, 3);
        for (Metric metric : Metric.values()) {
            CodecTrial.Result result = run(vectors, List.of("IVF16,Flat", "IVF16,PQ4np"), metric);
            try (FaissIndex kept = result.trained()) {
                assertEquals(1.0, result.outcomes().get(0).recall(), 1e-9, metric + ": " + result.outcomes());
                assertTrue(result.outcomes().get(1).recall() < 0.9, metric + ": " + result.outcomes());
                assertEquals("IVF16,Flat", result.factory());
                assertEquals(0, kept.ntotal(), "the kept index is the trained, empty one");
                assertTrue(kept.isTrained());
            }
        }
    }

    @Test
    void lowRankDataKeepsThePcaCodeAndIsotropicDataThePqCodeOfTheSameSize() throws IOException {
        List<String> candidates = List.of("IVF64,PQ16np", "PCAR16,IVF64,SQ8");

        CodecTrial.Result lowRank = run(rows(12, 0.01f, 5), candidates, Metric.L2);
        try (FaissIndex kept = lowRank.trained()) {
            assertEquals("PCAR16,IVF64,SQ8", lowRank.factory(), lowRank.outcomes().toString());
            assertTrue(lowRank.outcomes().get(1).recall() > 0.9, lowRank.outcomes().toString());
            assertTrue(lowRank.outcomes().get(1).recall() > lowRank.outcomes().get(0).recall() + 0.1,
                    lowRank.outcomes().toString());
            assertTrue(kept.components().contains("PCAMatrix"), kept.components());
            assertEquals(0, kept.ntotal());
            assertTrue(lowRank.phases().containsKey("codec-trial") && lowRank.phases().containsKey("load"),
                    lowRank.phases().toString());
        }

        CodecTrial.Result isotropic = run(rows(DIM, 0, 7), candidates, Metric.L2);
        try (FaissIndex kept = isotropic.trained()) {
            assertEquals("IVF64,PQ16np", isotropic.factory(), isotropic.outcomes().toString());
            assertEquals(candidates, isotropic.outcomes().stream().map(CodecTrial.Outcome::factory).toList());
            assertTrue(isotropic.outcomes().get(0).recall() > isotropic.outcomes().get(1).recall(),
                    isotropic.outcomes().toString());
            assertTrue(kept.components().contains("IndexIVFPQ"), kept.components());
        }
    }

    @Test
    void theMeasuringIsCappedHoweverLargeTheSample() throws IOException {
        int rows = CodecTrial.DATABASE_ROWS + CodecTrial.QUERIES + 4_000;
        int dim = 4;
        float[] vectors = new float[rows * dim];
        Random random = new Random(11);
        for (int i = 0; i < vectors.length; i++) {
            vectors[i] = (float) random.nextGaussian();
        }
        CodecTrial.Result result = CodecTrial.run(new CpuTrainer(), source(vectors, dim), rows, dim,
                List.of("IVF8,Flat", "IVF8,SQ8"), Metric.L2);
        try (FaissIndex kept = result.trained()) {
            assertEquals(CodecTrial.QUERIES, result.queries());
            assertEquals(CodecTrial.DATABASE_ROWS, result.databaseRows());
            assertEquals(1.0, result.outcomes().get(0).recall(), 1e-9);
        }
        // below the cap every row but the queries is the database
        CodecTrial.Result small = run(rows(DIM, 0, 13), List.of("IVF16,Flat", "IVF16,SQ8"), Metric.L2);
        small.trained().close();
        assertEquals(CodecTrial.QUERIES, small.queries());
        assertEquals(ROWS - CodecTrial.QUERIES, small.databaseRows());
    }

    @Test
    void aCandidateFaissCannotTrainFailsTheTrialAndFreesWhatWasTrained() {
        assertThrows(IllegalArgumentException.class,
                () -> run(rows(DIM, 0, 9), List.of("IVF16,Flat", "IVF16,PQ7np"), Metric.L2));
        assertThrows(IllegalArgumentException.class, () -> run(rows(DIM, 0, 9), List.of(), Metric.L2));
    }
}
