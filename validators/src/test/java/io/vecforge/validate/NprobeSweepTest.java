package io.vecforge.validate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecforge.bundle.Manifest;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The recommended nprobe: the first reaching the target, else where the curve levels off. */
class NprobeSweepTest {
    private static List<NprobeSweep.Point> curve(double... recalls) {
        List<NprobeSweep.Point> points = new java.util.ArrayList<>();
        for (int i = 0; i < recalls.length; i++) {
            points.add(new NprobeSweep.Point(1 << i, recalls[i], 1.0));
        }
        return points;
    }

    @Test
    void theSmallestNprobeReachingTheTarget() {
        assertEquals(8, NprobeSweep.recommend(curve(0.5, 0.7, 0.85, 0.91, 0.95, 0.97), 0.9).nprobe());
    }

    @Test
    void aFlatCurveBelowTheTargetRecommendsWhereItLevelsOffNotTheLargestSwept() {
        // the 1M x 128 IVF1024,PQ32 bench bundle: 0.836 from nprobe 8 to 128
        List<NprobeSweep.Point> flat = curve(0.61, 0.74, 0.81, 0.834, 0.836, 0.836, 0.836, 0.836);
        assertEquals(8, NprobeSweep.recommend(flat, 0.9).nprobe());
        // still rising by more than the tolerance: the end of the curve
        assertEquals(128, NprobeSweep.recommend(curve(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8), 0.9).nprobe());
    }

    @Test
    void theSweepsFirstRoundEndsWhereTheValidationsNprobeAndSixteenAreReached() {
        int[] steps = NprobeSweep.steps(1024, 16);
        assertArrayEquals(new int[] {1, 2, 4, 8, 16, 32, 64, 128}, steps);
        assertArrayEquals(new int[] {1, 2, 4, 8, 16}, NprobeSweep.firstRound(steps, 1024, 16));
        assertArrayEquals(new int[] {16, 32, 64, 128}, NprobeSweep.rest(steps, NprobeSweep.firstRound(steps, 1024, 16)));
        // later rounds: one doubling each, joined at the last nprobe searched; none once every step is searched
        assertArrayEquals(new int[] {16, 32}, NprobeSweep.nextRound(steps, NprobeSweep.firstRound(steps, 1024, 16)));
        assertArrayEquals(new int[] {64, 128}, NprobeSweep.nextRound(steps, new int[] {1, 2, 4, 8, 16, 32, 64}));
        assertArrayEquals(new int[0], NprobeSweep.nextRound(steps, steps));
        assertArrayEquals(new int[] {512, 1000}, NprobeSweep.nextRound(NprobeSweep.steps(1000, 1000),
                new int[] {1, 2, 4, 8, 16, 32, 64, 128, 256, 512}));
        // a validation nprobe between steps: the first round goes on to the step past it
        assertArrayEquals(new int[] {1, 2, 4, 8, 16, 32}, NprobeSweep.firstRound(NprobeSweep.steps(1024, 20), 1024, 20));
        // nlist 64 sweeps to 16: one round holds all; nlist 4 to 4
        assertArrayEquals(NprobeSweep.steps(64, 16), NprobeSweep.firstRound(NprobeSweep.steps(64, 16), 64, 16));
        assertArrayEquals(new int[] {1, 2, 4}, NprobeSweep.firstRound(NprobeSweep.steps(4, 16), 4, 16));
        assertArrayEquals(new int[] {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000},
                NprobeSweep.steps(1000, 1000));
    }

    @Test
    void theCurveIsSettledOnceTheTargetIsReachedOrItsLastDoublingGainedNearlyNothing() {
        assertTrue(NprobeSweep.settled(curve(0.5, 0.7, 0.85, 0.91, 0.95), 0.9));
        assertTrue(NprobeSweep.settled(curve(0.6459, 0.7837, 0.8305, 0.8359, 0.8359), 0.9)); // 1M PQ32np at 16
        assertTrue(NprobeSweep.settled(curve(0.60, 0.70, 0.80, 0.8350, 0.8359), 0.9));
        assertFalse(NprobeSweep.settled(curve(0.60, 0.70, 0.80, 0.83, 0.85), 0.9));
        assertFalse(NprobeSweep.settled(curve(0.60), 0.9));
    }

    @Test
    void recallTooLowNamesTheCurveAndTheNextStep() {
        ValidationReport rising = new ValidationReport();
        rising.recall = 0.80;
        rising.nprobe = 4;
        rising.minRecall = 0.9;
        rising.nprobeCurve = curve(0.5, 0.7, 0.80, 0.92);
        String more = BundleValidator.recallTooLow(10, rising);
        assertTrue(more.contains("1:0.500 2:0.700 4:0.800 8:0.920") && more.contains("nprobe 8 reaches it"), more);

        ValidationReport flat = new ValidationReport();
        flat.recall = 0.836;
        flat.nprobe = 16;
        flat.minRecall = 0.9;
        flat.nprobeCurve = curve(0.61, 0.81, 0.834, 0.836, 0.836);
        String code = BundleValidator.recallTooLow(10, flat);
        assertTrue(code.contains("No nprobe reaches it (best 0.836)") && code.contains("SQ8")
                && code.contains("validate.min-recall"), code);
    }

    @Test
    void theManifestSaysPlainlyThatTheCodeSizeBoundsRecall() {
        List<Manifest.NprobeRecall> curve = List.of(new Manifest.NprobeRecall(8, 0.836));
        String said = new Manifest.Search(8, 0.9, false, curve).describe();
        assertTrue(said.contains("not reached") && said.contains("0.836") && said.contains("code size")
                && said.contains("SQ8"), said);
        assertEquals("8 (target recall 0.90 reached)", new Manifest.Search(8, 0.9, true, curve).describe());
    }

    @Test
    void theSweepOverSlicesGivesTheRecallOfASearchAtEachNprobe() {
        int d = 16;
        float[] data = io.vecforge.testing.TestVectors.clustered(3000, d, 5);
        float[] queries = java.util.Arrays.copyOfRange(io.vecforge.testing.TestVectors.clustered(3100, d, 6),
                3000 * d, 3100 * d);
        try (io.vecforge.faiss.FaissIndex exact = io.vecforge.faiss.FaissIndex.create(d, "Flat",
                        io.vecforge.faiss.Metric.L2);
                io.vecforge.faiss.FaissIndex ivf = io.vecforge.faiss.FaissIndex.create(d, "IVF64,PQ4np",
                        io.vecforge.faiss.Metric.L2)) {
            exact.add(data, 3000);
            ivf.train(data, 3000);
            ivf.add(data, 3000);
            long[] truth = exact.search(queries, 100, 10).labels();
            NprobeSweep sweep = new NprobeSweep(64, 16, 100, 10, true);
            sweep.search(ivf, queries, 10);
            List<NprobeSweep.Point> curve = sweep.curve(truth, 10);
            assertEquals(List.of(1, 2, 4, 8, 16), curve.stream().map(NprobeSweep.Point::nprobe).toList());
            for (NprobeSweep.Point point : curve) {
                ivf.setNprobe(point.nprobe());
                io.vecforge.faiss.Neighbours direct = new io.vecforge.faiss.Neighbours(100, 10, true);
                direct.offerAll(ivf.search(queries, 100, 10));
                assertEquals(direct.recallAgainst(truth, 10), point.recall(), 0.002, "nprobe " + point.nprobe());
                assertTrue(point.microsPerQuery() > 0);
            }
        }
    }
}
