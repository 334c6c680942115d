package io.vecforge.writer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TrainingPlanTest {
    private static final int D = 32;
    private static final long BYTES_PER_ROW = 4L * D;
    private static final long PLENTY_OF_BYTES = 1L << 30;

    @Test
    void largestCodebookIsTheBiggestKMeansOfTheFactory() {
        assertEquals(256, TrainingPlan.largestCodebook("IVF256,PQ16"));
        assertEquals(4096, TrainingPlan.largestCodebook("IVF4096,PQ32x4np"));
        assertEquals(1024, TrainingPlan.largestCodebook("IVF64,PQ8x10"));
        assertEquals(1024, TrainingPlan.largestCodebook("OPQ16,IVF1024,PQ16np"));
        assertEquals(256, TrainingPlan.largestCodebook("IVF16,PQ4np"));
        assertEquals(1, TrainingPlan.largestCodebook("Flat"));
    }

    @Test
    void defaultSampleIs64PointsPerCentroid() {
        TrainingPlan plan = TrainingPlan.forFactory("IVF256,PQ16", D, 1_000_000, PLENTY_OF_BYTES, 0);
        assertEquals(256, plan.centroids());
        assertEquals(256 * 39, plan.minimumRows());
        assertEquals(256 * 64, plan.sampleRows());
    }

    @Test
    void defaultSampleIsCappedByTheInputRows() {
        TrainingPlan plan = TrainingPlan.forFactory("IVF256,PQ16", D, 12_000, PLENTY_OF_BYTES, 0);
        assertEquals(12_000, plan.sampleRows());
    }

    @Test
    void defaultSampleIsCappedByTheSampleBytes() {
        TrainingPlan plan = TrainingPlan.forFactory("IVF256,PQ16", D, 1_000_000, 11_000 * BYTES_PER_ROW + 5, 0);
        assertEquals(11_000, plan.sampleRows());
    }

    @Test
    void exactlyTheMinimumIsEnough() {
        TrainingPlan plan = TrainingPlan.forFactory("IVF256,PQ16", D, 256 * 39, 256 * 39 * BYTES_PER_ROW, 0);
        assertEquals(256 * 39, plan.sampleRows());
    }

    @Test
    void requestedSampleIsHonouredWithinTheCaps() {
        assertEquals(20_000,
                TrainingPlan.forFactory("IVF256,PQ16", D, 1_000_000, PLENTY_OF_BYTES, 20_000).sampleRows());
        assertEquals(15_000,
                TrainingPlan.forFactory("IVF256,PQ16", D, 15_000, PLENTY_OF_BYTES, 20_000).sampleRows());
    }

    @Test
    void tooFewInputRowsIsAnErrorNamingTheFactory() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainingPlan.forFactory("IVF1024,PQ16", D, 1024 * 39 - 1, PLENTY_OF_BYTES, 0));
        assertTrue(e.getMessage().contains("'IVF1024,PQ16'"), e.getMessage());
        assertTrue(e.getMessage().contains(String.valueOf(1024 * 39)), e.getMessage());
    }

    @Test
    void tooSmallSampleBytesIsAnErrorNamingTheFactory() {
        long bytes = (256 * 39 - 1) * BYTES_PER_ROW;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainingPlan.forFactory("IVF64,PQ8", D, 1_000_000, bytes, 0));
        assertTrue(e.getMessage().contains("'IVF64,PQ8'"), e.getMessage());
        assertTrue(e.getMessage().contains("train.max-sample-bytes=" + bytes), e.getMessage());
    }

    @Test
    void requestedSampleBelowTheMinimumIsAnErrorNamingTheFactory() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainingPlan.forFactory("IVF256,PQ16", D, 1_000_000, PLENTY_OF_BYTES, 1000));
        assertTrue(e.getMessage().contains("'IVF256,PQ16'"), e.getMessage());
        assertTrue(e.getMessage().contains("train.sample-rows=1000"), e.getMessage());
    }
}
