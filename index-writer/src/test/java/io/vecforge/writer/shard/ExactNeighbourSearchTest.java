package io.vecforge.writer.shard;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vecforge.faiss.FaissIndex;
import io.vecforge.faiss.Metric;
import io.vecforge.faiss.Neighbours;
import io.vecforge.faiss.SearchResult;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ExactNeighbourSearchTest {
    private static final int D = 8;
    private static final int ROWS = 203;
    private static final int QUERIES = 12;
    private static final int K = 10;

    @Test
    void batchedL2SearchEqualsBruteForce() {
        checkAgainstBruteForce(Metric.L2, 31);
    }

    @Test
    void batchedInnerProductSearchEqualsBruteForce() {
        checkAgainstBruteForce(Metric.INNER_PRODUCT, 32);
    }

    @Test
    void oneBatchAndManyBatchesAgree() {
        float[] vectors = gaussian(ROWS * D, 5);
        float[] queries = gaussian(QUERIES * D, 6);
        long[] ids = ids();

        ExactNeighbourSearch whole = new ExactNeighbourSearch(queries, D, Metric.L2, K);
        whole.addBatch(vectors, ids, ROWS);
        ExactNeighbourSearch batched = search(vectors, ids, queries, Metric.L2, 7);

        assertArrayEquals(whole.result().ids(), batched.result().ids());
    }

    @Test
    void streamedHeapsEqualFaissFlatSearchOverAllRows() {
        int rows = 3_000;
        float[] vectors = gaussian(rows * D, 11);
        float[] queries = gaussian(QUERIES * D, 12);
        long[] ids = new long[rows];
        for (int i = 0; i < rows; i++) {
            ids[i] = 7L * i + 3;
        }
        for (Metric metric : new Metric[] {Metric.L2, Metric.INNER_PRODUCT}) {
            Neighbours streamed = search(vectors, ids, queries, metric, 512).result();
            try (FaissIndex flat = FaissIndex.create(D, "Flat", metric)) {
                flat.add(vectors, rows);
                SearchResult all = flat.search(queries, QUERIES, K);
                for (int q = 0; q < QUERIES; q++) {
                    for (int r = 0; r < K; r++) {
                        assertEquals(ids[(int) all.label(q, r)], streamed.id(q, r), metric + " query " + q + " rank " + r);
                        assertEquals(all.distance(q, r), streamed.distance(q, r),
                                1e-5f * Math.max(1f, Math.abs(all.distance(q, r))), metric + " query " + q);
                    }
                }
            }
        }
    }

    @Test
    void emptyBatchesChangeNothing() {
        float[] queries = gaussian(QUERIES * D, 8);
        ExactNeighbourSearch search = new ExactNeighbourSearch(queries, D, Metric.L2, K);
        search.addBatch(new float[0], new long[0], 0);

        long[] empty = new long[QUERIES * K];
        Arrays.fill(empty, -1L);
        assertArrayEquals(empty, search.result().ids());
    }

    @Test
    void tiedRowsKeepTheSmallestIdsWhereverTheyArriveInTheStream() {
        for (Metric metric : Metric.values()) {
            // 300 copies of one vector, ids falling as they arrive: every row ties with every other, so each
            // chunk of the stream holds rows that beat the heap's top by id alone (small integer components:
            // every distance is exact whatever order BLAS sums in, so the ties are real)
            int rows = 300;
            float[] one = new float[D];
            for (int j = 0; j < D; j++) {
                one[j] = j % 3;
            }
            float[] vectors = new float[rows * D];
            long[] ids = new long[rows];
            for (int i = 0; i < rows; i++) {
                System.arraycopy(one, 0, vectors, i * D, D);
                ids[i] = 10_000L - 7L * i;
            }
            Neighbours found = search(vectors, ids, one, metric, 37).result();
            // Faiss's heaps break ties by id: a smaller-is-closer heap keeps the smallest ids, a larger-is-closer
            // one the largest; either way listed by rising id
            for (int r = 0; r < K; r++) {
                long expected = metric.smallerIsCloser() ? ids[rows - 1 - r] : ids[K - 1 - r];
                assertEquals(expected, found.id(0, r), metric + " rank " + r);
            }
        }
    }

    private static void checkAgainstBruteForce(Metric metric, long seed) {
        float[] vectors = gaussian(ROWS * D, seed);
        float[] queries = gaussian(QUERIES * D, seed + 100);
        long[] ids = ids();

        // 203 rows in batches of 20: the last batch (3 rows) is smaller than k
        Neighbours found = search(vectors, ids, queries, metric, 20).result();

        assertEquals(QUERIES, found.queries());
        assertEquals(K, found.k());
        for (int q = 0; q < QUERIES; q++) {
            double[] distances = new double[ROWS];
            for (int i = 0; i < ROWS; i++) {
                distances[i] = distance(metric, queries, q, vectors, i);
            }
            Comparator<Integer> closer = metric.smallerIsCloser()
                    ? Comparator.comparingDouble(i -> distances[i])
                    : Comparator.comparingDouble(i -> -distances[i]);
            int[] expected = IntStream.range(0, ROWS).boxed().sorted(closer).limit(K).mapToInt(i -> i).toArray();
            for (int r = 0; r < K; r++) {
                assertEquals(ids[expected[r]], found.id(q, r), "query " + q + " rank " + r);
                assertEquals(distances[expected[r]], found.distance(q, r), 1e-3, "query " + q + " rank " + r);
            }
        }
    }

    private static ExactNeighbourSearch search(float[] vectors, long[] ids, float[] queries, Metric metric,
            int batch) {
        ExactNeighbourSearch search = new ExactNeighbourSearch(queries, D, metric, K);
        int total = ids.length;
        for (int start = 0; start < total; start += batch) {
            int rows = Math.min(batch, total - start);
            search.addBatch(Arrays.copyOfRange(vectors, start * D, (start + rows) * D),
                    Arrays.copyOfRange(ids, start, start + rows), rows);
        }
        return search;
    }

    /** Squared L2 (as Faiss reports it) or inner product. */
    private static double distance(Metric metric, float[] queries, int q, float[] vectors, int i) {
        double sum = 0;
        for (int j = 0; j < D; j++) {
            double a = queries[q * D + j];
            double b = vectors[i * D + j];
            sum += metric == Metric.L2 ? (a - b) * (a - b) : a * b;
        }
        return sum;
    }

    /** Sparse, non-contiguous ids, so positions and ids cannot be confused. */
    private static long[] ids() {
        long[] ids = new long[ROWS];
        for (int i = 0; i < ROWS; i++) {
            ids[i] = 5_000_000_000L + 17L * i;
        }
        return ids;
    }

    private static float[] gaussian(int n, long seed) {
        Random random = new Random(seed);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) random.nextGaussian();
        }
        return out;
    }
}
