package io.vecforge.jobs.delta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecforge.faiss.Metric;
import io.vecforge.faiss.Neighbours;
import io.vecforge.writer.shard.ExactNeighbourSearch;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class GroundTruthUpdateTest {
    private static final int D = 8;
    private static final int QUERIES = 25;
    private static final int K = 10;
    private static final int DEPTH = 4 * K;

    @Test
    void theUpdatedGroundTruthIsTheBruteForceTopOfTheNewCorpus() {
        Random random = new Random(7);
        float[] queries = vectors(random, QUERIES);
        TreeMap<Long, float[]> base = new TreeMap<>();
        for (long id = 0; id < 3000; id++) {
            base.put(id, vectors(random, 1));
        }
        Neighbours baseTruth = exact(queries, base);

        TreeMap<Long, float[]> merged = new TreeMap<>(base);
        TreeMap<Long, float[]> upserts = new TreeMap<>();
        List<Long> touched = new ArrayList<>();
        for (long id = 0; id < 3000; id++) {
            if (id % 20 == 1) { // deleted
                merged.remove(id);
                touched.add(id);
            } else if (id % 20 == 2) { // replaced
                float[] fresh = vectors(random, 1);
                merged.put(id, fresh);
                upserts.put(id, fresh);
                touched.add(id);
            }
        }
        for (long id = 3000; id < 3200; id++) { // inserted
            float[] fresh = vectors(random, 1);
            merged.put(id, fresh);
            upserts.put(id, fresh);
            touched.add(id);
        }
        touched.add(99_999L); // a delete of an id the base lacks changes nothing

        GroundTruthUpdate.Result updated = GroundTruthUpdate.apply(baseTruth.ids(), baseTruth.distances(), DEPTH,
                base.size(), touched.stream().mapToLong(Long::longValue).toArray(), exact(queries, upserts));

        Neighbours bruteForce = exact(queries, merged);
        assertTrue(updated.minDepth() >= K, "every query keeps at least k exact neighbours: " + updated.minDepth());
        long entries = 0;
        for (int q = 0; q < QUERIES; q++) {
            for (int r = 0; r < DEPTH; r++) {
                long id = updated.truth().id(q, r);
                if (id < 0) {
                    break;
                }
                entries++;
                assertEquals(bruteForce.id(q, r), id, "query " + q + " rank " + r);
            }
        }
        assertTrue(entries > (long) QUERIES * K, "lists are deeper than k: " + entries);
    }

    @Test
    void aListThatLosesEveryEntryIsCutToNothingAndReported() {
        Random random = new Random(8);
        float[] queries = vectors(random, 1);
        TreeMap<Long, float[]> base = new TreeMap<>();
        for (long id = 0; id < 100; id++) {
            base.put(id, vectors(random, 1));
        }
        Neighbours baseTruth = exact(queries, base);
        long[] all = base.keySet().stream().mapToLong(Long::longValue).toArray();

        GroundTruthUpdate.Result updated = GroundTruthUpdate.apply(baseTruth.ids(), baseTruth.distances(), DEPTH,
                base.size(), all, exact(queries, new TreeMap<>()));

        // the base list ended (100 rows > depth), nothing of it survived: nothing is known to be exact
        assertEquals(0, updated.minDepth());
        assertEquals(0, updated.shallowestQuery());
        assertEquals(-1, updated.truth().id(0, 0));
    }

    @Test
    void aCorpusSmallerThanTheDepthStaysWhole() {
        Random random = new Random(9);
        float[] queries = vectors(random, 3);
        TreeMap<Long, float[]> base = new TreeMap<>();
        for (long id = 0; id < 30; id++) {
            base.put(id, vectors(random, 1));
        }
        TreeMap<Long, float[]> merged = new TreeMap<>(base);
        for (long id = 0; id < 30; id += 2) {
            merged.remove(id);
        }
        GroundTruthUpdate.Result updated = GroundTruthUpdate.apply(exact(queries, base).ids(),
                exact(queries, base).distances(), DEPTH, base.size(),
                java.util.stream.LongStream.range(0, 30).filter(id -> id % 2 == 0).toArray(),
                exact(queries, new TreeMap<>()));

        assertEquals(DEPTH, updated.minDepth());
        Neighbours bruteForce = exact(queries, merged);
        for (int q = 0; q < 3; q++) {
            for (int r = 0; r < DEPTH; r++) {
                assertEquals(bruteForce.id(q, r), updated.truth().id(q, r));
            }
        }
    }

    private static Neighbours exact(float[] queries, Map<Long, float[]> rows) {
        ExactNeighbourSearch search = new ExactNeighbourSearch(queries, D, Metric.L2, DEPTH);
        float[] batch = new float[rows.size() * D];
        long[] ids = new long[rows.size()];
        int i = 0;
        for (Map.Entry<Long, float[]> row : rows.entrySet()) {
            System.arraycopy(row.getValue(), 0, batch, i * D, D);
            ids[i++] = row.getKey();
        }
        search.addBatch(batch, ids, i);
        return search.result();
    }

    private static float[] vectors(Random random, int n) {
        float[] v = new float[n * D];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }
}
