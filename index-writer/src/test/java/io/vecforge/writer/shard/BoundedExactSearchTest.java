package io.vecforge.writer.shard;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecforge.faiss.FaissIndex;
import io.vecforge.faiss.IndexBytes;
import io.vecforge.faiss.Metric;
import io.vecforge.faiss.Neighbours;
import io.vecforge.testing.TestVectors;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The exact neighbours folded in along an IVF index's add ({@link ExactNeighbourSearch#addThrough}), which skips
 * rows the coarse quantizer's bounds rule out, find what the search over every row finds, and the index they add
 * to is the one its own add builds.
 */
class BoundedExactSearchTest {
    private static final int D = 16;
    private static final int ROWS = 6_000;
    private static final int QUERIES = 40;
    private static final int K = 10;
    private static final int BATCH = 500;

    @ParameterizedTest
    @CsvSource({"IVF32,Flat, L2", "IVF32,PQ4, L2", "IVF32,SQ8, L2", "IVF32,Flat, COSINE", "IVF32,SQ8, COSINE"})
    void clusteredRowsSkipMostDistancesAndFindTheSameNeighbours(String list, String codec, Metric metric) {
        Outcome outcome = compare(list + "," + codec, metric, TestVectors.clustered(ROWS, D, 3),
                TestVectors.clustered(QUERIES, D, 3));
        assertTrue(outcome.computedPairs < 0.6 * ROWS * QUERIES, "computed " + outcome.computedPairs + " of "
                + (long) ROWS * QUERIES + " distances: the bounds ruled out too little");
    }

    /** Inner products of vectors of any length: the bound (q.c + ||q|| r) rules out little, the answer agrees. */
    @org.junit.jupiter.api.Test
    void innerProductsOfClusteredRowsAgree() {
        compare("IVF32,SQ8", Metric.INNER_PRODUCT, TestVectors.clustered(ROWS, D, 3), TestVectors.clustered(QUERIES,
                D, 3));
    }

    @ParameterizedTest
    @ValueSource(strings = {"L2", "INNER_PRODUCT"})
    void rowsWithoutStructureFallBackToEveryDistanceAndStillAgree(Metric metric) {
        SplittableRandom random = new SplittableRandom(9);
        float[] rows = new float[ROWS * D];
        float[] queries = new float[QUERIES * D];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < queries.length; i++) {
            queries[i] = (float) random.nextGaussian();
        }
        compare("IVF32,Flat", metric, rows, queries);
    }

    @ParameterizedTest
    @ValueSource(strings = {"PCAR8,IVF32,Flat", "IVF32,PQ4x4fs", "Flat", "IDMap,Flat"})
    void indexesItCannotSplitTheAddOfAreLeftToTheFullSearch(String factory) {
        float[] rows = TestVectors.clustered(ROWS, D, 4);
        try (FaissIndex index = FaissIndex.create(D, factory, Metric.L2)) {
            index.train(rows, ROWS);
            ExactNeighbourSearch search = new ExactNeighbourSearch(TestVectors.clustered(QUERIES, D, 5), D, Metric.L2,
                    K);
            assertFalse(search.rideAlong(index), factory);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"L2", "INNER_PRODUCT"})
    void aQueryListOfTheWrongMetricIsNotServed(Metric metric) {
        float[] rows = TestVectors.clustered(ROWS, D, 6);
        Metric other = metric == Metric.L2 ? Metric.INNER_PRODUCT : Metric.L2;
        try (FaissIndex index = FaissIndex.create(D, "IVF32,Flat", metric)) {
            index.train(rows, ROWS);
            assertFalse(new ExactNeighbourSearch(TestVectors.clustered(QUERIES, D, 7), D, other, K).rideAlong(index));
        }
    }

    /**
     * Rows spread evenly over a few dimensions: each inverted list is a cell, and a query near a cell's border has
     * neighbours in the next cells, in their rows farthest from their centroids. The bounds still rule out most
     * pairs, and the walk over each query's lists must not stop short of those cells.
     */
    @ParameterizedTest
    @ValueSource(strings = {"L2", "INNER_PRODUCT"})
    void neighboursAcrossCellBordersAreFound(Metric metric) {
        int dimension = 3;
        SplittableRandom random = new SplittableRandom(12);
        float[] rows = new float[ROWS * dimension];
        float[] queries = new float[QUERIES * dimension];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = (float) random.nextDouble(-1, 1);
        }
        for (int i = 0; i < queries.length; i++) {
            queries[i] = (float) random.nextDouble(-1, 1);
        }
        Outcome outcome = compare("IVF64,Flat", metric, rows, queries, dimension);
        if (metric == Metric.L2) {
            assertTrue(outcome.computedPairs < 0.25 * ROWS * QUERIES, "computed " + outcome.computedPairs);
        }
    }

    private record Outcome(long computedPairs) {}

    private static Outcome compare(String factory, Metric metric, float[] rows, float[] queries) {
        return compare(factory, metric, rows, queries, D);
    }

    private static Outcome compare(String factory, Metric metric, float[] rows, float[] queries, int dimension) {
        if (metric.normalizes()) {
            normalize(rows, dimension);
            normalize(queries, dimension);
        }
        long[] ids = new long[ROWS];
        for (int i = 0; i < ROWS; i++) {
            ids[i] = 3_000_000_000L + 11L * i;
        }
        byte[] trained;
        try (FaissIndex index = FaissIndex.create(dimension, factory, metric)) {
            index.train(rows, ROWS);
            trained = IndexBytes.of(index);
        }
        ExactNeighbourSearch every = new ExactNeighbourSearch(queries, dimension, metric, K);
        ExactNeighbourSearch bounded = new ExactNeighbourSearch(queries, dimension, metric, K);
        long computed = 0;
        long[] nanos = new long[2];
        try (FaissIndex plain = IndexBytes.load(trained); FaissIndex along = IndexBytes.load(trained)) {
            assertTrue(bounded.rideAlong(along), factory + " " + metric);
            for (int start = 0; start < ROWS; start += BATCH) {
                int n = Math.min(BATCH, ROWS - start);
                float[] batch = Arrays.copyOfRange(rows, start * dimension, (start + n) * dimension);
                long[] batchIds = Arrays.copyOfRange(ids, start, start + n);
                plain.addWithIds(batch, batchIds, n);
                every.addBatch(batch, batchIds, n);
                computed += bounded.addThrough(along, batch, batchIds, n, nanos);
            }
            assertArrayEquals(IndexBytes.of(plain), IndexBytes.of(along), factory + ": the add differs from Faiss's");
        }
        Neighbours expected = every.result();
        Neighbours found = bounded.result();
        assertArrayEquals(expected.ids(), found.ids(), factory + " " + metric);
        for (int q = 0; q < QUERIES; q++) {
            for (int r = 0; r < K; r++) {
                float want = expected.distance(q, r);
                assertEquals(want, found.distance(q, r), 1e-4f * Math.max(1f, Math.abs(want)),
                        factory + " " + metric + " query " + q + " rank " + r);
            }
        }
        assertTrue(computed > 0 && computed <= (long) ROWS * QUERIES, "computed " + computed);
        return new Outcome(computed);
    }

    private static void normalize(float[] vectors, int dimension) {
        for (int offset = 0; offset < vectors.length; offset += dimension) {
            assertTrue(Metric.normalize(vectors, offset, dimension));
        }
    }
}
