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
        TreeMap<Long, float[]> base = baseRows(random);
        Path root = dir.resolve("root");
        BuildResult full = publishBase(root, base);

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
        assertEquals(full.manifest().search(), m.search(), "without delta.nprobe-sweep the base's curve is carried");
        assertTrue(m.validation().recall() >= m.validation().minRecall(), "recall is measured on every delta");

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
        TreeMap<Long, float[]> base = baseRows(random);
        Path root = dir.resolve("chain");
        Path deltaInput = dir.resolve("small-delta");
        spark().createDataFrame(List.of(RowFactory.create(3L, "delete", null)), DELTA).write()
                .parquet(deltaInput.toString());
        Map<String, String> deltaMode = Map.of("build.mode", "delta", "delta.max-chain", "1");

        BuildFailedException none = assertThrows(BuildFailedException.class,
                () -> new DeltaBuildJob(spark(), config(root, deltaInput, deltaMode), true).run());
        assertEquals(Failure.DELTA_REFUSED, none.failure());

        publishBase(root, base);
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

    @Test
    void aDeltaOverADamagedBaseShardOrGroundTruthFailsBeforeItIsReadAndLatestStays() throws IOException {
        Path root = dir.resolve("damaged");
        BuildResult full = publishBase(root, baseRows(new Random(8)));
        String touched = BundleLayout.shardFileName(io.vecforge.bundle.ShardAssignment.shardOf(3L, 4));
        Path shard = versionDir(full).resolve(touched);
        byte[] bytes = Files.readAllBytes(shard);
        bytes[bytes.length / 2] ^= 0x10; // same size: only the CRC32C can tell
        Files.write(shard, bytes);
        Path deltaInput = dir.resolve("damaged-delta");
        spark().createDataFrame(List.of(RowFactory.create(3L, "delete", null)), DELTA).write()
                .parquet(deltaInput.toString());

        BuildFailedException failed = assertThrows(BuildFailedException.class, () -> new DeltaBuildJob(spark(),
                config(root, deltaInput, Map.of("build.mode", "delta")), true).run());
        assertTrue(failed.getMessage().contains("the base shard") && failed.getMessage().contains(touched)
                && failed.getMessage().contains("CRC32C"), failed.getMessage());
        assertEquals(full.manifest().version(),
                Files.readString(root.resolve("delta").resolve(BundleLayout.LATEST)).trim());

        bytes[bytes.length / 2] ^= 0x10; // the shard mended, the base's ground truth damaged: read before any shard
        Files.write(shard, bytes);
        Path truth = versionDir(full).resolve(BundleLayout.GROUND_TRUTH);
        byte[] ids = Files.readAllBytes(truth);
        ids[ids.length - 3] ^= 0x01;
        Files.write(truth, ids);
        BuildFailedException wrongTruth = assertThrows(BuildFailedException.class, () -> new DeltaBuildJob(spark(),
                config(root, deltaInput, Map.of("build.mode", "delta")), true).run());
        assertTrue(wrongTruth.getMessage().contains(BundleLayout.GROUND_TRUTH + " does not match its manifest")
                && wrongTruth.getMessage().contains("CRC32C"), wrongTruth.getMessage());
        assertEquals(full.manifest().version(),
                Files.readString(root.resolve("delta").resolve(BundleLayout.LATEST)).trim());
    }

    @Test
    void aDeltaWhoseUpsertsDriftedOrPileIntoOneListIsRefusedAndLatestStays() throws IOException {
        Random random = new Random(7);
        TreeMap<Long, float[]> base = baseRows(random);
        Path root = dir.resolve("guards");
        BuildResult full = publishBase(root, base);
        assertTrue(full.manifest().training().quantizerFit() > 0);
        Map<String, String> deltaMode = Map.of("build.mode", "delta");

        // the same ids re-embedded by a model that drifted: far from every centroid
        List<Row> drifted = new ArrayList<>();
        for (long id = 0; id < 200; id++) {
            float[] v = vector(random, id);
            for (int j = 0; j < DIM; j++) {
                v[j] = v[j] * 3 + 40;
            }
            drifted.add(RowFactory.create(id, "upsert", boxed(v)));
        }
        Path driftedInput = dir.resolve("drifted");
        spark().createDataFrame(drifted, DELTA).write().parquet(driftedInput.toString());
        BuildFailedException fit = assertThrows(BuildFailedException.class,
                () -> new DeltaBuildJob(spark(), config(root, driftedInput, deltaMode), true).run());
        assertEquals(Failure.DELTA_REFUSED, fit.failure());
        assertTrue(fit.getMessage().contains("train.max-reuse-degradation"), fit.getMessage());

        // as many new rows as the base holds, all around one centre: the lists grow uneven
        List<Row> piled = new ArrayList<>();
        for (long i = 0; i < ROWS; i++) {
            long id = ROWS + 16 * i; // id % 16 == 0: centre 0
            piled.add(RowFactory.create(id, "upsert", boxed(vector(random, id))));
        }
        Path piledInput = dir.resolve("piled");
        spark().createDataFrame(piled, DELTA).write().parquet(piledInput.toString());
        // (one centre's rows may fit the quantizer worse than the average row: this part is about the lists)
        Map<String, String> anyFit = Map.of("build.mode", "delta", "train.max-reuse-degradation", "100");
        BuildFailedException uneven = assertThrows(BuildFailedException.class,
                () -> new DeltaBuildJob(spark(), config(root, piledInput, anyFit), true).run());
        assertEquals(Failure.DELTA_REFUSED, uneven.failure());
        assertTrue(uneven.getMessage().contains("delta.max-imbalance-growth"), uneven.getMessage());
        assertEquals(full.manifest().version(),
                Files.readString(root.resolve("delta").resolve(BundleLayout.LATEST)).trim());

        // the same rows within the limits: applied, and the fit is recorded
        BuildResult ok = new DeltaBuildJob(spark(), config(root, piledInput, Map.of("build.mode", "delta",
                "train.max-reuse-degradation", "100", "delta.max-imbalance-growth", "100", "publish.allow-drift",
                "true")), true).run();
        Manifest.Delta d = ok.manifest().delta();
        assertEquals(ROWS, d.inserted());
        assertTrue(d.upsertFit() > 0 && d.fitDegradation() != null, "fit " + d.upsertFit() + " " + d.fitDegradation());
        assertEquals(2 * ROWS, ok.manifest().shardRows());
    }

    @Test
    void aDeltaOnAnOlderBaseIsStagedNotPublishedAndNeverPublishesOverAnotherVersion() throws Exception {
        Random random = new Random(8);
        TreeMap<Long, float[]> base = baseRows(random);
        Path root = dir.resolve("older");
        String first = publishBase(root, base).manifest().version();
        Path oneDelete = dir.resolve("older-delta");
        spark().createDataFrame(List.of(RowFactory.create(3L, "delete", null)), DELTA).write()
                .parquet(oneDelete.toString());
        String second = new DeltaBuildJob(spark(), config(root, oneDelete, Map.of("build.mode", "delta")), true).run()
                .manifest().version();

        Map<String, String> onFirst = Map.of("build.mode", "delta", "delta.base", first);
        BuildFailedException published = assertThrows(BuildFailedException.class,
                () -> new DeltaBuildJob(spark(), config(root, oneDelete, onFirst), true).run());
        assertEquals(Failure.DELTA_REFUSED, published.failure());
        assertTrue(published.getMessage().contains("not the published version"), published.getMessage());

        BuildResult staged = new DeltaBuildJob(spark(), config(root, oneDelete, onFirst), false).run();
        assertEquals(first, staged.manifest().delta().base());
        assertEquals(first, staged.manifest().parent().version(), "a delta's parent is its base");
        assertEquals(1, staged.manifest().delta().chain());
        assertEquals(ROWS - 1, staged.manifest().shardRows());
        assertEquals(second, Files.readString(root.resolve("delta").resolve(BundleLayout.LATEST)).trim());
        io.vecforge.bundle.BundleStorage storage = io.vecforge.bundle.BundleStorage.forUri(root.toUri(),
                new org.apache.hadoop.conf.Configuration());
        io.vecforge.bundle.BundleLayout layout = new io.vecforge.bundle.BundleLayout(
                new org.apache.hadoop.fs.Path(root.toUri()), "delta");
        assertThrows(io.vecforge.bundle.CommitFailedException.class, () -> new io.vecforge.bundle.VersionCommit(
                storage, layout, staged.manifest().version()).publish(null, "publish"));
        assertEquals(second, Files.readString(root.resolve("delta").resolve(BundleLayout.LATEST)).trim());

        // an interval without changes: nothing to apply, no version made, nothing fails
        Path empty = dir.resolve("empty-delta");
        spark().createDataFrame(List.<Row>of(), DELTA).write().parquet(empty.toString());
        long versions;
        try (var listed = Files.list(root.resolve("delta"))) {
            versions = listed.count();
        }
        BuildResult nothing = new DeltaBuildJob(spark(), config(root, empty, Map.of("build.mode", "delta")), true)
                .run();
        assertTrue(nothing.unchanged() && !nothing.published());
        assertEquals(second, nothing.manifest().version());
        assertEquals(second, Files.readString(root.resolve("delta").resolve(BundleLayout.LATEST)).trim());
        try (var listed = Files.list(root.resolve("delta"))) {
            assertEquals(versions, listed.count(), "no version directory was made");
        }
    }

    @Test
    void externalKeysGoThroughTheBaseIdMapWhichGrowsByTheNewKeys() throws Exception {
        Random random = new Random(9);
        StructType full = new StructType().add("sku", DataTypes.StringType, false)
                .add("vector", DataTypes.createArrayType(DataTypes.FloatType, false), false);
        StructType changes = new StructType().add("sku", DataTypes.StringType, true).add("op", DataTypes.StringType, true)
                .add("vector", DataTypes.createArrayType(DataTypes.FloatType, false), true);
        Map<String, float[]> merged = new TreeMap<>();
        List<Row> rows = new ArrayList<>();
        for (long i = 0; i < 2000; i++) {
            float[] v = vector(random, i);
            merged.put(String.format("sku-%05d", i), v);
            rows.add(RowFactory.create(String.format("sku-%05d", i), boxed(v)));
        }
        Path root = dir.resolve("keys");
        spark().createDataFrame(rows, full).repartition(2).write().parquet(dir.resolve("keys-base").toString());
        Map<String, String> keyed = Map.of("input.id-column", "sku");
        BuildResult first = new BuildJob(spark(), config(root, dir.resolve("keys-base"), keyed)).run();
        assertTrue(first.manifest().ids().external());

        List<Row> delta = new ArrayList<>();
        for (long i = 0; i < 2000; i += 25) {
            String key = String.format("sku-%05d", i);
            delta.add(RowFactory.create(key, "delete", null));
            merged.remove(key);
            String replaced = String.format("sku-%05d", i + 1);
            float[] fresh = vector(random, i + 3);
            delta.add(RowFactory.create(replaced, "upsert", boxed(fresh)));
            merged.put(replaced, fresh);
        }
        for (int i = 0; i < 60; i++) {
            float[] fresh = vector(random, i);
            delta.add(RowFactory.create("new-" + i, "upsert", boxed(fresh)));
            merged.put("new-" + i, fresh);
        }
        delta.add(RowFactory.create("never-there", "delete", null));
        Path deltaInput = dir.resolve("keys-delta");
        spark().createDataFrame(delta, changes).repartition(2).write().parquet(deltaInput.toString());
        Map<String, String> deltaMode = new HashMap<>(keyed);
        deltaMode.put("build.mode", "delta");
        BuildResult applied = new DeltaBuildJob(spark(), config(root, deltaInput, deltaMode), true).run();

        Manifest.Delta d = applied.manifest().delta();
        assertEquals(80, d.deletesFound());
        assertEquals(1, d.deletesMissing());
        assertEquals(80, d.replaced());
        assertEquals(60, d.inserted());
        assertEquals(60, d.newKeys());
        assertEquals(merged.size(), applied.manifest().shardRows());
        assertTrue(applied.manifest().ids().external());

        // every id the shards hold maps to the key of a merged row, each once
        Path version = versionDir(applied);
        Map<Long, String> keys = new HashMap<>();
        List<Manifest.BundleFile> maps = applied.manifest().files().stream()
                .filter(f -> f.role() == Manifest.FileRole.ID_MAP).toList();
        assertEquals(first.manifest().files().stream().filter(f -> f.role() == Manifest.FileRole.ID_MAP).count() + 1,
                maps.size(), "the base's map files and one of new keys");
        for (Row row : spark().read().parquet(maps.stream().map(f -> version.resolve(f.file()).toString())
                .toArray(String[]::new)).collectAsList()) {
            assertEquals(null, keys.put(row.getLong(0), row.getString(1)), "id " + row.getLong(0) + " mapped twice");
        }
        java.util.Set<String> indexed = new java.util.TreeSet<>();
        for (Manifest.Shard shard : applied.manifest().shards()) {
            try (io.vecforge.faiss.FaissIndex index = io.vecforge.faiss.FaissIndex.read(version.resolve(shard.file()))) {
                for (long id : index.ids()) {
                    assertTrue(indexed.add(keys.get(id)), "key of id " + id + " indexed twice");
                }
            }
        }
        assertEquals(merged.keySet(), indexed);
        long baseMax = first.manifest().shards().stream().mapToLong(Manifest.Shard::maxId).max().orElseThrow();
        for (int i = 0; i < 60; i++) {
            String key = "new-" + i;
            assertTrue(keys.entrySet().stream().anyMatch(e -> e.getValue().equals(key) && e.getKey() > baseMax), key);
        }
    }

    /** A full build of the rows, published under root. */
    private BuildResult publishBase(Path root, TreeMap<Long, float[]> rows) {
        Path input = dir.resolve(root.getFileName() + "-base");
        write(input, rows);
        return new BuildJob(spark(), config(root, input, Map.of())).run();
    }

    /** ROWS rows, ids 0.. ROWS-1. */
    private static TreeMap<Long, float[]> baseRows(Random random) {
        TreeMap<Long, float[]> base = new TreeMap<>();
        for (long id = 0; id < ROWS; id++) {
            base.put(id, vector(random, id));
        }
        return base;
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
