package io.vecforge.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecforge.Failure;
import io.vecforge.bundle.BundleLayout;
import io.vecforge.bundle.Fvecs;
import io.vecforge.bundle.Manifest;
import io.vecforge.jobs.config.BuildConfig;
import io.vecforge.jobs.delta.DeltaBuildJob;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * build.mode=delta: a delta of inserts, updates and deletes over every shard gives the version a full
 * build of the merged rows with the same trained index gives (the same shard bytes), accounts for
 * every row, keeps the ground truth exact, and is refused when its chain is at delta.max-chain.
 */
class DeltaBuildTest extends SparkTestSupport {
    private static final int ROWS = 4000;
    private static final int DIM = 16;
    private static final StructType FULL = new StructType().add("id", DataTypes.LongType, false)
            .add("vector", DataTypes.createArrayType(DataTypes.FloatType, false), false);
    private static final StructType DELTA = new StructType().add("id", DataTypes.LongType, true)
            .add("op", DataTypes.StringType, true)
            .add("vector", DataTypes.createArrayType(DataTypes.FloatType, false), true);

    @TempDir
    static Path dir;

    @Test
    void aDeltaGivesTheShardsAFullBuildOfTheMergedRowsGivesAndAccountsForEveryRow() throws IOException {
        Random random = new Random(5);
        TreeMap<Long, float[]> base = new TreeMap<>();
        for (long id = 0; id < ROWS; id++) {
            base.put(id, vector(random, id));
        }
        Path root = dir.resolve("root");
        write(dir.resolve("base"), base);
        BuildResult full = new BuildJob(spark(), config(root, dir.resolve("base"), Map.of())).run();

        TreeMap<Long, float[]> merged = new TreeMap<>(base);
        List<Row> delta = new ArrayList<>();
        for (long id = 0; id < ROWS; id++) {
            if (id % 50 == 1) {
                delta.add(RowFactory.create(id, "delete", null));
                merged.remove(id);
            } else if (id % 50 == 2) {
                float[] fresh = vector(random, id + 7);
                delta.add(RowFactory.create(id, "UPSERT", boxed(fresh)));
                merged.put(id, fresh);
            }
        }
        for (long id = ROWS; id < ROWS + 200; id++) {
            float[] fresh = vector(random, id);
            delta.add(RowFactory.create(id, "upsert", boxed(fresh)));
            merged.put(id, fresh);
        }
        delta.add(RowFactory.create(99_999L, "delete", null)); // not in the base: counted, ignored
        delta.add(RowFactory.create(5L, "rename", null)); // no such operation: rejected
        Path deltaInput = dir.resolve("delta");
        spark().createDataFrame(delta, DELTA).repartition(3).write().parquet(deltaInput.toString());

        BuildResult applied = new DeltaBuildJob(spark(), config(root, deltaInput, Map.of("build.mode", "delta",
                "input.max-rejected-fraction", "0.01")), true).run();

        Manifest m = applied.manifest();
        assertTrue(applied.published());
        assertEquals(full.manifest().version(), m.parent().version());
        Manifest.Delta d = m.delta();
        assertEquals(full.manifest().version(), d.base());
        assertEquals(1, d.chain());
        assertEquals(ROWS, d.baseRows());
        assertEquals(80, d.deletesFound());
        assertEquals(1, d.deletesMissing());
        assertEquals(80, d.replaced());
        assertEquals(200, d.inserted());
        assertEquals(280, d.upserts());
        assertEquals(merged.size(), m.source().acceptedRows());
        assertEquals(merged.size(), m.shardRows());
        assertEquals(ROWS - 80 - 80 + 280, merged.size());
        assertEquals(delta.size(), m.accounting().inputRows());
        assertEquals(1, m.accounting().rejectedRows());
        assertTrue(m.accounting().balances(), m.accounting().summary());
        assertEquals(List.of(0, 1, 2, 3), d.changedShards(), "the delta touches every shard");

        // the full build of the merged rows, with the same trained index: the same shard bytes
        write(dir.resolve("merged"), merged);
        BuildResult rebuilt = new BuildJob(spark(), config(root, dir.resolve("merged"),
                Map.of("train.reuse", "previous", "publish.allow-drift", "true"))).run();
        Path deltaDir = versionDir(applied);
        Path rebuiltDir = versionDir(rebuilt);
        assertArrayEquals(Files.readAllBytes(versionDir(full).resolve(BundleLayout.TRAINED_INDEX)),
                Files.readAllBytes(rebuiltDir.resolve(BundleLayout.TRAINED_INDEX)));
        for (Manifest.Shard shard : m.shards()) {
            assertArrayEquals(Files.readAllBytes(rebuiltDir.resolve(shard.file())),
                    Files.readAllBytes(deltaDir.resolve(shard.file())), shard.file() + ": delta == rebuild");
        }

        // the ground truth is the brute-force top of the merged rows
        Fvecs.Data queries = Fvecs.read(deltaDir.resolve(BundleLayout.QUERIES));
        Fvecs.LongData truth = Fvecs.readLongs(deltaDir.resolve(BundleLayout.GROUND_TRUTH));
        int k = m.validation().k();
        for (int q = 0; q < queries.n(); q++) {
            long[] expected = bruteForce(queries.vectors(), q, merged, k);
            for (int r = 0; r < k; r++) {
                assertEquals(expected[r], truth.values()[q * truth.k() + r], "query " + q + " rank " + r);
            }
        }
    }

    @Test
    void aDeltaPastTheChainLimitOrWithoutABaseIsRefusedAndLatestStays() throws IOException {
        Random random = new Random(6);
        TreeMap<Long, float[]> base = new TreeMap<>();
        for (long id = 0; id < ROWS; id++) {
            base.put(id, vector(random, id));
        }
        Path root = dir.resolve("chain");
        Path deltaInput = dir.resolve("small-delta");
        spark().createDataFrame(List.of(RowFactory.create(3L, "delete", null)), DELTA).write()
                .parquet(deltaInput.toString());
        Map<String, String> deltaMode = Map.of("build.mode", "delta", "delta.max-chain", "1");

        BuildFailedException none = assertThrows(BuildFailedException.class,
                () -> new DeltaBuildJob(spark(), config(root, deltaInput, deltaMode), true).run());
        assertEquals(Failure.DELTA_REFUSED, none.failure());

        write(dir.resolve("chain-base"), base);
        new BuildJob(spark(), config(root, dir.resolve("chain-base"), Map.of())).run();
        BuildResult first = new DeltaBuildJob(spark(), config(root, deltaInput, deltaMode), true).run();
        assertEquals(ROWS - 1, first.manifest().shardRows());
        assertEquals(List.of(io.vecforge.bundle.ShardAssignment.shardOf(3L, 4)), first.manifest().delta()
                .changedShards(), "one shard changed; the rest are the base's files");

        Path missing = dir.resolve("missing-delete");
        spark().createDataFrame(List.of(RowFactory.create(3L, "delete", null)), DELTA).write()
                .parquet(missing.toString()); // id 3 is gone since the first delta
        BuildFailedException notThere = assertThrows(BuildFailedException.class, () -> new DeltaBuildJob(spark(),
                config(root, missing, Map.of("build.mode", "delta", "delta.missing-deletes", "fail")), true).run());
        assertEquals(Failure.MISSING_DELETES, notThere.failure());
        assertTrue(notThere.getMessage().contains("1 deletes name ids base " + first.manifest().version()),
                notThere.getMessage());

        BuildFailedException refused = assertThrows(BuildFailedException.class,
                () -> new DeltaBuildJob(spark(), config(root, deltaInput, deltaMode), true).run());
        assertEquals(Failure.DELTA_REFUSED, refused.failure());
        assertTrue(refused.getMessage().contains("delta.max-chain=1"), refused.getMessage());
        assertEquals(first.manifest().version(),
                Files.readString(root.resolve("delta").resolve(BundleLayout.LATEST)).trim());
        assertNotEquals(0, Failure.DELTA_REFUSED.exitCode());
    }

    private BuildConfig config(Path root, Path input, Map<String, String> extra) {
        Map<String, String> settings = new HashMap<>();
        settings.put("index.name", "delta");
        settings.put("input.path", input.toUri().toString());
        settings.put("output.root", root.toUri().toString());
        settings.put("index.factory", "IVF16,PQ4x4np");
        settings.put("shards", "4");
        settings.put("validate.queries", "40");
        settings.put("validate.min-recall", "0.1");
        settings.putAll(extra);
        return BuildConfig.of(settings, "test");
    }

    private void write(Path path, TreeMap<Long, float[]> rows) {
        List<Row> list = new ArrayList<>();
        rows.forEach((id, v) -> list.add(RowFactory.create(id, boxed(v))));
        spark().createDataFrame(list, FULL).repartition(2).write().parquet(path.toString());
    }

    private static long[] bruteForce(float[] queries, int q, TreeMap<Long, float[]> rows, int k) {
        List<Map.Entry<Long, float[]>> all = new ArrayList<>(rows.entrySet());
        double[] distance = new double[all.size()];
        Integer[] order = new Integer[all.size()];
        for (int i = 0; i < all.size(); i++) {
            float sum = 0;
            for (int j = 0; j < DIM; j++) {
                float diff = queries[q * DIM + j] - all.get(i).getValue()[j];
                sum += diff * diff;
            }
            distance[i] = sum;
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> distance[a] != distance[b] ? Double.compare(distance[a], distance[b])
                : Long.compare(all.get(a).getKey(), all.get(b).getKey()));
        long[] ids = new long[k];
        for (int r = 0; r < k; r++) {
            ids[r] = all.get(order[r]).getKey();
        }
        return ids;
    }

    /** Clustered: 16 centres, the row's own noise. */
    private static float[] vector(Random random, long id) {
        Random centre = new Random(id % 16);
        float[] v = new float[DIM];
        for (int j = 0; j < DIM; j++) {
            v[j] = (float) (centre.nextGaussian() * 4 + random.nextGaussian());
        }
        return v;
    }

    private static List<Float> boxed(float[] v) {
        List<Float> out = new ArrayList<>(v.length);
        for (float x : v) {
            out.add(x);
        }
        return out;
    }

    private static Path versionDir(BuildResult result) {
        return Path.of(URI.create(result.versionDir()));
    }
}
