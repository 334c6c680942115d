package io.vecforge.writer.shard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vecforge.bundle.DuplicatePolicy;
import io.vecforge.bundle.ShardAssignment;
import io.vecforge.faiss.FaissIndex;
import io.vecforge.faiss.Metric;
import io.vecforge.faiss.SearchResult;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DuplicatePolicyTest {
    private static final int D = 4;
    private static final int SHARDS = 2;

    @TempDir
    Path dir;

    @Test
    void keepFirstKeepsTheLowestOrderedRow() {
        ShardResult result = build(DuplicatePolicy.KEEP_FIRST);
        assertEquals(2, result.rows());
        assertEquals(2, result.duplicates());
        assertEquals(List.of(ids()[0]), result.duplicateSamples());
        assertEquals(0f, distanceOfNearest(vector(1f), ids()[0], DuplicatePolicy.KEEP_FIRST));
    }

    @Test
    void keepLatestKeepsTheHighestOrderedRow() {
        ShardResult result = build(DuplicatePolicy.KEEP_LATEST);
        assertEquals(2, result.rows());
        assertEquals(2, result.duplicates());
        assertEquals(0f, distanceOfNearest(vector(3f), ids()[0], DuplicatePolicy.KEEP_LATEST));
    }

    @Test
    void failCountsDuplicatesForTheDriverToReport() {
        ShardResult result = build(DuplicatePolicy.FAIL);
        assertEquals(2, result.duplicates());
        assertEquals(List.of(ids()[0]), result.duplicateSamples());
    }

    @Test
    void policyNamesParse() {
        assertEquals(DuplicatePolicy.KEEP_LATEST, DuplicatePolicy.fromConfig("keep-latest"));
        assertEquals("keep-first", DuplicatePolicy.KEEP_FIRST.configName());
        assertThrows(IllegalArgumentException.class, () -> DuplicatePolicy.fromConfig("newest"));
    }

    /** Rows: id0 three times (vectors 1, 2, 3 in ordering order), then id1 once (vector 10). */
    private ShardResult build(DuplicatePolicy policy) {
        try (ShardBuilder builder = builder(policy)) {
            feed(builder);
            return builder.finish(dir.resolve(policy + ".faiss"));
        }
    }

    /** The L2 distance from the query to its nearest row, which must be the given id. */
    private float distanceOfNearest(float[] query, long expectedId, DuplicatePolicy policy) {
        Path file = dir.resolve("search-" + policy + ".faiss");
        try (ShardBuilder builder = builder(policy)) {
            feed(builder);
            builder.finish(file);
        }
        try (FaissIndex index = FaissIndex.read(file)) {
            SearchResult hits = index.search(query, 1, 1);
            assertEquals(expectedId, hits.label(0, 0));
            return hits.distance(0, 0);
        }
    }

    private static void feed(ShardBuilder builder) {
        long[] ids = ids();
        builder.add(ids[0], vector(1f));
        builder.add(ids[0], vector(2f));
        builder.add(ids[0], vector(3f));
        builder.add(ids[1], vector(10f));
    }

    private static ShardBuilder builder(DuplicatePolicy policy) {
        FaissIndex index = FaissIndex.create(D, "IVF1,Flat", Metric.L2);
        index.train(new float[] {0, 0, 0, 0, 1, 1, 1, 1}, 2);
        return new ShardBuilder(0, SHARDS, index, 2, null, false, policy);
    }

    private static long[] ids() {
        long[] found = new long[2];
        int n = 0;
        for (long id = 0; n < 2; id++) {
            if (ShardAssignment.shardOf(id, SHARDS) == 0) {
                found[n++] = id;
            }
        }
        return found;
    }

    private static float[] vector(float value) {
        return new float[] {value, value, value, value};
    }
}
