package io.vecforge.writer.shard;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecforge.bundle.ShardAssignment;
import io.vecforge.faiss.FaissIndex;
import io.vecforge.faiss.IndexBytes;
import io.vecforge.faiss.Metric;
import io.vecforge.faiss.Neighbours;
import io.vecforge.testing.TestVectors;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardBuilderTest {
    private static final int D = 16;
    private static final int SHARDS = 4;
    private static final int SHARD = 1;
    private static final int K = 5;

    private static byte[] trained;

    @TempDir
    Path dir;

    @BeforeAll
    static void train() {
        try (FaissIndex index = FaissIndex.create(D, "IVF8,PQ4np", Metric.L2)) {
            index.train(TestVectors.clustered(2000, D, 11), 2000);
            trained = IndexBytes.of(index);
        }
    }

    @Test
    void buildsAShardFromItsRowsInAscendingOrder() {
        long[] ids = idsOfShard(SHARD, 300);
        float[] vectors = TestVectors.clustered(ids.length, D, 12);
        Path file = dir.resolve("shard.faiss");

        ShardResult result;
        try (ShardBuilder builder = builder(64, queries())) {
            for (int i = 0; i < ids.length; i++) {
                builder.add(ids[i], Arrays.copyOfRange(vectors, i * D, (i + 1) * D));
            }
            result = builder.finish(file);
        }

        assertEquals(SHARD, result.shard());
        assertEquals(ids.length, result.rows());
        assertEquals(ids[0], result.minId());
        assertEquals(ids[ids.length - 1], result.maxId());
        assertEquals(K, result.exactNeighbours().k());
        try (FaissIndex shard = FaissIndex.read(file)) {
            assertEquals(ids.length, shard.ntotal());
            assertEquals(D, shard.dimension());
            long[] stored = shard.ids();
            Arrays.sort(stored);
            assertArrayEquals(ids, stored);
        }
    }

    @Test
    void anEmptyShardHasNoIdRange() {
        Path file = dir.resolve("empty.faiss");
        ShardResult result;
        try (ShardBuilder builder = builder(16, null)) {
            result = builder.finish(file);
        }
        assertEquals(0, result.rows());
        assertNull(result.minId());
        assertNull(result.maxId());
        assertNull(result.exactNeighbours());
        try (FaissIndex shard = FaissIndex.read(file)) {
            assertEquals(0, shard.ntotal());
        }
    }

    @Test
    void rejectsInvalidRows() {
        long[] ids = idsOfShard(SHARD, 3);
        float[] good = new float[D];
        try (ShardBuilder builder = builder(16, null)) {
            builder.add(ids[1], good);

            assertInvalid(builder, ids[2], new float[D - 1], "components");
            assertInvalid(builder, ids[2], null, "null");
            assertInvalid(builder, ids[2], withComponent(3, Float.NaN), "component 3 is NaN");
            assertInvalid(builder, ids[2], withComponent(0, Float.POSITIVE_INFINITY), "component 0 is Infinity");
            assertInvalid(builder, ids[2], withComponent(D - 1, Float.NEGATIVE_INFINITY), "-Infinity");
            assertInvalid(builder, ids[0], good, "out of order");

            // the rejected rows left no trace: the next good row is accepted
            builder.add(ids[2], good);
            assertEquals(2, builder.finish(dir.resolve("shard.faiss")).rows());
        }
    }

    @Test
    void rejectsAnIdOfAnotherShard() {
        long[] own = idsOfShard(SHARD, 1);
        long foreign = own[0] + 1;
        while (ShardAssignment.shardOf(foreign, SHARDS) == SHARD) {
            foreign++;
        }
        long id = foreign;
        try (ShardBuilder builder = builder(16, null)) {
            builder.add(own[0], new float[D]);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> builder.add(id, new float[D]));
            assertTrue(e.getMessage().contains("row id " + id), e.getMessage());
            assertTrue(e.getMessage().contains("not " + SHARD), e.getMessage());
        }
    }

    @Test
    void batchSizeDoesNotChangeTheIndexOrTheExactNeighbours() {
        long[] ids = idsOfShard(SHARD, 100);
        float[] vectors = TestVectors.clustered(ids.length, D, 13);

        Built small = build(ids, vectors, 7, "small.faiss");
        Built large = build(ids, vectors, 1000, "large.faiss");

        assertEquals(100, small.ntotal);
        assertArrayEquals(large.bytes, small.bytes);
        assertArrayEquals(large.exact.ids(), small.exact.ids());
    }

    @Test
    void rejectsAnUntrainedIndex() {
        FaissIndex untrained = FaissIndex.create(D, "IVF8,PQ4np", Metric.L2);
        try {
            assertThrows(IllegalArgumentException.class, () -> new ShardBuilder(SHARD, SHARDS, untrained, 16, null));
        } finally {
            untrained.close();
        }
    }

    @Test
    void closeReleasesTheIndex() {
        FaissIndex index = IndexBytes.load(trained);
        new ShardBuilder(SHARD, SHARDS, index, 16, null).close();
        assertTrue(index.isClosed());
    }

    private record Built(long ntotal, byte[] bytes, Neighbours exact) {}

    private Built build(long[] ids, float[] vectors, int batch, String name) {
        Path file = dir.resolve(name);
        ShardResult result;
        try (ShardBuilder builder = builder(batch, queries())) {
            float[] row = new float[D]; // reused between rows, as cursors do
            for (int i = 0; i < ids.length; i++) {
                System.arraycopy(vectors, i * D, row, 0, D);
                builder.add(ids[i], row);
            }
            result = builder.finish(file);
        }
        try (FaissIndex index = FaissIndex.read(file)) {
            return new Built(index.ntotal(), IndexBytes.of(index), result.exactNeighbours());
        }
    }

    private ShardBuilder builder(int batch, ExactNeighbourSearch exact) {
        return new ShardBuilder(SHARD, SHARDS, IndexBytes.load(trained), batch, exact);
    }

    private static ExactNeighbourSearch queries() {
        return new ExactNeighbourSearch(TestVectors.clustered(6, D, 14), D, Metric.L2, K);
    }

    private static void assertInvalid(ShardBuilder builder, long id, float[] vector, String problem) {
        InvalidRowException e = assertThrows(InvalidRowException.class, () -> builder.add(id, vector));
        assertEquals(id, e.id());
        assertTrue(e.getMessage().startsWith("row id " + id + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(problem), e.getMessage());
    }

    private static float[] withComponent(int j, float value) {
        float[] vector = new float[D];
        vector[j] = value;
        return vector;
    }

    /** The first n ids, in ascending order, that ShardAssignment puts in the given shard. */
    private static long[] idsOfShard(int shard, int n) {
        long[] ids = new long[n];
        int found = 0;
        for (long id = 1000; found < n; id++) {
            if (ShardAssignment.shardOf(id, SHARDS) == shard) {
                ids[found++] = id;
            }
        }
        return ids;
    }
}
