package io.vecforge.writer.shard;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecforge.bundle.DuplicatePolicy;
import io.vecforge.bundle.ShardAssignment;
import io.vecforge.faiss.FaissIndex;
import io.vecforge.faiss.IndexBytes;
import io.vecforge.faiss.Metric;
import io.vecforge.testing.TestVectors;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardPatcherTest {
    private static final int D = 16;
    private static final int SHARDS = 4;
    private static final int SHARD = 2;

    private static byte[] trained;

    @TempDir
    Path dir;

    @BeforeAll
    static void train() {
        try (FaissIndex index = FaissIndex.create(D, "IVF8,PQ4np", Metric.L2)) {
            index.train(TestVectors.clustered(2000, D, 21), 2000);
            trained = IndexBytes.of(index);
        }
    }

    @Test
    void aPatchedShardIsTheShardARebuildOfTheMergedRowsWrites() {
        long[] ids = idsOfShard(400);
        float[] vectors = TestVectors.clustered(ids.length, D, 22);
        float[] fresh = TestVectors.clustered(ids.length, D, 23);
        TreeMap<Long, float[]> base = new TreeMap<>();
        for (int i = 0; i < 300; i++) { // the base holds the first 300 ids
            base.put(ids[i], row(vectors, i));
        }
        TreeMap<Long, float[]> merged = new TreeMap<>(base);
        Path baseFile = dir.resolve("base.faiss");
        build(base, baseFile);

        long missing = ids[399]; // never in the base
        ShardPatcher.Result result;
        try (ShardPatcher patcher = patcher(baseFile, 7, DuplicatePolicy.KEEP_LATEST, new long[] {ids[3], ids[10]})) {
            for (int i = 0; i < 400; i++) {
                long id = ids[i];
                if (i % 10 == 3 && i < 300) { // deleted
                    patcher.delete(id);
                    merged.remove(id);
                } else if (i % 10 == 5 && i < 300) { // replaced by a new vector
                    patcher.upsert(id, row(fresh, i));
                    merged.put(id, row(fresh, i));
                } else if (i >= 300 && i < 350) { // inserted, the first of them twice (the later row wins)
                    if (i == 300) {
                        patcher.upsert(id, row(vectors, 0));
                    }
                    patcher.upsert(id, row(fresh, i));
                    merged.put(id, row(fresh, i));
                } else if (i == 10) { // upserted, then deleted in the same delta: the delete is the latest
                    patcher.upsert(id, row(fresh, i));
                    patcher.delete(id);
                    merged.remove(id);
                }
            }
            patcher.delete(missing);
            result = patcher.finish(dir.resolve("patched.faiss"));
        }

        Path rebuilt = dir.resolve("rebuilt.faiss");
        build(merged, rebuilt);
        assertArrayEquals(bytes(rebuilt), bytes(dir.resolve("patched.faiss")), "patched == rebuilt, byte for byte");
        assertTrue(result.sorted());
        assertEquals(merged.size(), result.rows());
        assertEquals(merged.firstKey(), result.minId());
        assertEquals(merged.lastKey(), result.maxId());
        assertEquals(30 + 50, result.upserts());
        assertEquals(30, result.replaced());
        assertEquals(50, result.inserted());
        assertEquals(30 + 1 + 1, result.deletes());
        assertEquals(31, result.deletesFound());
        assertEquals(1, result.deletesMissing());
        assertEquals(2, result.duplicates());
        assertArrayEquals(new long[] {ids[3], ids[10]}, result.touchedTruthIds());
        // new = base - deletes found - upserts replacing + upserts
        assertEquals(300 - 31 - 30 + 80, result.rows());
    }

    @Test
    void rejectsRowsOutOfOrderOrOfAnotherShard() throws Exception {
        long[] ids = idsOfShard(3);
        Path baseFile = dir.resolve("base.faiss");
        build(new TreeMap<>(), baseFile);
        try (ShardPatcher patcher = patcher(baseFile, 16, DuplicatePolicy.FAIL, new long[0])) {
            patcher.delete(ids[1]);
            assertThrows(InvalidRowException.class, () -> patcher.delete(ids[0]));
            assertThrows(InvalidRowException.class, () -> patcher.upsert(ids[2], new float[D - 1]));
            long foreign = ids[2] + 1;
            while (ShardAssignment.shardOf(foreign, SHARDS) == SHARD) {
                foreign++;
            }
            long other = foreign;
            assertThrows(IllegalStateException.class, () -> patcher.delete(other));
        }
    }

    private ShardPatcher patcher(Path baseFile, int batch, DuplicatePolicy policy, long[] watched) {
        return new ShardPatcher(SHARD, SHARDS, FaissIndex.read(baseFile), batch, null, Metric.L2, policy, watched);
    }

    private void build(Map<Long, float[]> rows, Path file) {
        try (ShardBuilder builder = new ShardBuilder(SHARD, SHARDS, IndexBytes.load(trained), 64, null)) {
            rows.forEach(builder::add);
            builder.finish(file);
        }
    }

    private static byte[] bytes(Path file) {
        try (FaissIndex index = FaissIndex.read(file)) {
            return IndexBytes.of(index);
        }
    }

    private static float[] row(float[] vectors, int i) {
        return Arrays.copyOfRange(vectors, i * D, (i + 1) * D);
    }

    private static long[] idsOfShard(int n) {
        long[] ids = new long[n];
        int found = 0;
        for (long id = 5000; found < n; id++) {
            if (ShardAssignment.shardOf(id, SHARDS) == SHARD) {
                ids[found++] = id;
            }
        }
        return ids;
    }
}
