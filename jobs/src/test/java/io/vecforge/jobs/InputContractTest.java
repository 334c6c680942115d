package io.vecforge.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecforge.Failure;
import io.vecforge.bundle.BuildHeartbeat;
import io.vecforge.bundle.BundleLayout;
import io.vecforge.bundle.Manifest;
import io.vecforge.data.SyntheticEmbeddings;
import io.vecforge.jobs.config.BuildConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The input contract, table-driven: each case is generated data with one defect. A bad input must
 * fail with its own {@link Failure}, a message naming what is wrong, LATEST still on the
 * published baseline and no new version with _SUCCESS. Passing cases must account for every row.
 */
class InputContractTest extends SparkTestSupport {
    private static final int DIM = 8;
    private static final int ROWS = 3000;
    private static final SyntheticEmbeddings DATA = new SyntheticEmbeddings(3, DIM);
    private static final StructType SCHEMA = schema("id", DataTypes.LongType, "vector", DataTypes.FloatType);
    private static final StructType DOUBLES = schema("id", DataTypes.LongType, "vector", DataTypes.DoubleType);

    @TempDir
    static Path dir;

    private Path baseline;
    private String baselineVersion;

    /** What a case builds from, and how. */
    record Case(String name, InputMaker input, Map<String, String> config, Failure failure,
            List<String> message) {
        @Override
        public String toString() {
            return name;
        }
    }

    @FunctionalInterface
    interface InputMaker {
        void write(InputContractTest test, Path input) throws IOException;
    }

    @BeforeAll
    void publishBaseline() throws IOException {
        Path input = dir.resolve("baseline-input");
        write(input, SCHEMA, good(0, ROWS));
        baseline = dir.resolve("baseline-root");
        BuildResult result = new BuildJob(spark(), config(input, baseline, Map.of())).run();
        baselineVersion = result.manifest().version();
    }

    static Stream<Case> badInputs() {
        return Stream.of(
                bad("missing id column", (t, in) -> t.write(in, schema("key", DataTypes.LongType, "vector",
                        DataTypes.FloatType), t.good(0, ROWS)), Failure.INPUT_SCHEMA, "no column 'id'", "key"),
                bad("missing vector column", (t, in) -> t.write(in, schema("id", DataTypes.LongType, "embedding",
                        DataTypes.FloatType), t.good(0, ROWS)), Failure.INPUT_SCHEMA, "no column 'vector'"),
                bad("vector of strings", (t, in) -> t.write(in, schema("id", DataTypes.LongType, "vector",
                        DataTypes.StringType), List.of(RowFactory.create(1L, new String[] {"a", "b"}))),
                        Failure.INPUT_SCHEMA, "column 'vector' has type array<string>", "array<float>"),
                bad("id of type double", (t, in) -> t.write(in, new StructType().add("id", DataTypes.DoubleType)
                        .add("vector", DataTypes.createArrayType(DataTypes.FloatType)),
                        List.of(RowFactory.create(1.5, t.vector(1)))),
                        Failure.INPUT_SCHEMA, "column 'id' has type double", "bigint"),
                bad("null ids", (t, in) -> t.withExtra(in, RowFactory.create(null, t.vector(1)),
                        RowFactory.create(null, t.vector(2))), Failure.BAD_ROWS, "null-id: 2", "null id in"),
                bad("null vectors", (t, in) -> t.withExtra(in, RowFactory.create(5000L, null)),
                        Failure.BAD_ROWS, "null-vector: 1", "5000"),
                bad("one row of the wrong dimension", (t, in) -> t.withExtra(in,
                        RowFactory.create(5001L, new float[DIM - 1])), Failure.BAD_ROWS, "wrong-dimension: 1",
                        "5001"),
                bad("all rows of another dimension than the published version", (t, in) -> t.write(in, SCHEMA,
                        t.rows(0, ROWS, id -> Arrays.copyOf(t.vector(id), DIM * 2))), Failure.DRIFT,
                        "dimension changes from 8", "to 16", "--allow-drift"),
                bad("NaN component", (t, in) -> t.withExtra(in, RowFactory.create(5002L, t.with(3, Float.NaN))),
                        Failure.BAD_ROWS, "non-finite: 1", "5002"),
                bad("+Inf component", (t, in) -> t.withExtra(in, RowFactory.create(5003L,
                        t.with(0, Float.POSITIVE_INFINITY))), Failure.BAD_ROWS, "non-finite: 1", "5003"),
                bad("zero vector under cosine", (t, in) -> t.withExtra(in, RowFactory.create(5004L, new float[DIM])),
                        Map.of("index.metric", "cosine"), Failure.BAD_ROWS, "zero-vector: 1", "5004"),
                bad("empty input directory", (t, in) -> Files.createDirectories(in), Failure.INPUT_MISSING,
                        "contains no Parquet files"),
                bad("missing input path", (t, in) -> { }, Failure.INPUT_MISSING, "does not exist"),
                bad("input without _SUCCESS when required", (t, in) -> {
                    t.write(in, SCHEMA, t.good(0, ROWS));
                    Files.delete(in.resolve("_SUCCESS"));
                }, Map.of("input.require-success", "true"), Failure.INPUT_NOT_READY, "no _SUCCESS"),
                bad("input with zero rows", (t, in) -> t.write(in, SCHEMA, List.of()), Failure.INPUT_MISSING,
                        "has no rows"),
                bad("duplicate ids under fail", (t, in) -> t.withExtra(in, RowFactory.create(7L, t.vector(8))),
                        Failure.DUPLICATE_INPUT_IDS, "1 rows repeat an id", "ids [7]", "input.duplicates=fail"),
                bad("duplicate ids across two Parquet files", (t, in) -> {
                    t.write(in, SCHEMA, t.good(0, ROWS));
                    t.write(in, SCHEMA, t.good(100, 103));
                }, Failure.DUPLICATE_INPUT_IDS, "3 rows repeat an id", "100", "101", "102"),
                bad("a corrupt Parquet file", (t, in) -> {
                    t.write(in, SCHEMA, t.good(0, ROWS));
                    Files.write(in.resolve("part-corrupt.parquet"), "PAR1 this is not parquet PAR1".getBytes());
                }, Failure.INPUT_UNREADABLE, "part-corrupt.parquet"),
                bad("files that disagree on schema", (t, in) -> {
                    t.write(in, SCHEMA, t.good(0, ROWS));
                    t.write(in, schema("id", DataTypes.LongType, "vector", DataTypes.DoubleType),
                            List.of(RowFactory.create(9000L, new double[DIM])));
                }, Failure.INPUT_UNREADABLE, "disagree on schema"),
                bad("bad rows just over the tolerance", (t, in) -> t.withBadRows(in, 31),
                        Map.of("input.max-rejected-fraction", "0.01"), Failure.BAD_ROWS,
                        "31 of 3,031 rows rejected", "input.max-rejected-fraction=0.01", "quarantine"),
                bad("a count drop over the drift limit", (t, in) -> t.write(in, SCHEMA, t.good(0, ROWS / 2)),
                        Failure.DRIFT, "row count changes by 50.0%", "publish.max-count-change=0.2"),
                bad("a recall drop over the drift limit", (t, in) -> t.write(in, SCHEMA, t.good(0, ROWS)),
                        Map.of("validate.nprobe", "1", "validate.min-recall", "0"), Failure.DRIFT,
                        "recall@10 drops by", "publish.max-recall-drop=0.05"),
                bad("an impossible factory string", (t, in) -> t.write(in, SCHEMA, t.good(0, ROWS)),
                        Map.of("index.factory", "IVF16,PQ3"), Failure.CONFIG, "IVF16,PQ3"),
                bad("polysemous codes over Faiss's memory limit", (t, in) -> t.write(in, SCHEMA, t.good(0, ROWS)),
                        Map.of("index.factory", "IVF16,PQ4x15"), Failure.CONFIG, "'IVF16,PQ4x15'",
                        "Polysemous training would use 25769803776 bytes per thread"),
                bad("nlist larger than the number of rows", (t, in) -> t.write(in, SCHEMA, t.good(0, ROWS)),
                        Map.of("index.factory", "IVF4096,Flat"), Failure.CONFIG, "needs at least",
                        "3000 rows"),
                bad("keep-latest without an ordering column", (t, in) -> t.write(in, SCHEMA, t.good(0, ROWS)),
                        Map.of("input.duplicates", "keep-latest"), null, "needs input.order-column"),
                bad("a config with an unknown key", (t, in) -> t.write(in, SCHEMA, t.good(0, ROWS)),
                        Map.of("index.nlist", "16"), null, "unknown config key(s)", "index.nlist"),
                bad("train.trainer=gpu where no GPU is offered", (t, in) -> t.write(in, SCHEMA, t.good(0, ROWS)),
                        Map.of("train.trainer", "gpu"), Failure.CONFIG,
                        "train.trainer=gpu, but Spark local mode schedules no 'gpu' resources"),
                bad("an unknown trainer", (t, in) -> t.write(in, SCHEMA, t.good(0, ROWS)),
                        Map.of("train.trainer", "tpu"), null, "train.trainer must be auto, gpu or cpu"),
                bad("negative ids and -1", (t, in) -> t.withExtra(in, RowFactory.create(-5L, t.vector(1)),
                        RowFactory.create(-1L, t.vector(2))), Failure.BAD_ROWS, "negative-id: 2", "-5", "-1"),
                bad("all ids negative", (t, in) -> t.write(in, SCHEMA, t.rows(-ROWS, 0, id -> t.vector(-id))),
                        Failure.BAD_ROWS, "negative-id: 3000"),
                bad("a double that overflows float", (t, in) -> t.withExtraDoubles(in,
                        RowFactory.create(6001L, t.doubleWith(2, 1e39))), Failure.BAD_ROWS, "float-overflow: 1",
                        "6001"),
                bad("a double that underflows float to 0", (t, in) -> t.withExtraDoubles(in,
                        RowFactory.create(6002L, t.doubleWith(2, 1e-50))), Failure.BAD_ROWS,
                        "float-underflow: 1", "6002"),
                bad("a component whose square overflows float", (t, in) -> t.withExtra(in,
                        RowFactory.create(6003L, t.with(0, 1e20f))), Failure.BAD_ROWS, "norm-overflow: 1",
                        "6003"),
                bad("a vector whose norm underflows under cosine", (t, in) -> t.withExtra(in,
                        RowFactory.create(6004L, t.filled(1e-30f))), Map.of("index.metric", "cosine"),
                        Failure.BAD_ROWS, "norm-underflow: 1", "6004"),
                bad("input holding only _temporary files", (t, in) -> t.write(in.resolve("_temporary").resolve("0"),
                        SCHEMA, t.good(0, ROWS)), Failure.INPUT_MISSING, "contains no Parquet files",
                        "_temporary"),
                bad("list<float16> vectors", (t, in) -> {
                    Files.createDirectories(in);
                    try (var parquet = InputContractTest.class.getResourceAsStream("/inputs/float16-vectors.parquet")) {
                        Files.copy(parquet, in.resolve("part-00000.parquet"));
                    }
                }, Failure.INPUT_SCHEMA, "column 'vector' holds float16 values", "part-00000.parquet"),
                bad("keep-latest with a null order value", (t, in) -> {
                    StructType versioned = SCHEMA.add("updated", DataTypes.LongType);
                    List<Row> rows = new ArrayList<>();
                    for (long id = 0; id < ROWS; id++) {
                        rows.add(RowFactory.create(id, t.vector(id), 1L));
                    }
                    rows.add(RowFactory.create(42L, t.vector(4242), null));
                    t.write(in, versioned, rows);
                }, Map.of("input.duplicates", "keep-latest", "input.order-column", "updated"), Failure.BAD_ROWS,
                        "null-order: 1", "42"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badInputs")
    void aBadInputFailsClearlyAndPublishesNothing(Case c) throws IOException {
        Path caseDir = dir.resolve("case-" + c.name().replaceAll("[^a-z0-9]+", "-"));
        Path input = caseDir.resolve("input");
        Path root = caseDir.resolve("root");
        copyBaseline(root);
        c.input().write(this, input);

        String message;
        if (c.failure() == null) {
            // Config errors are found before any Spark work: they reach the CLI as exit code 2.
            IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                    () -> config(input, root, c.config()));
            message = error.getMessage();
            Path file = caseDir.resolve("index.properties");
            Files.writeString(file, c.config().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                    .collect(Collectors.joining("\n")));
            Cli cli = Cli.run("build", "--config", file.toString(), "--index", "contract", "--input",
                    input.toUri().toString(), "--output", root.toUri().toString());
            assertEquals(2, cli.exitCode(), cli.err());
        } else {
            BuildFailedException failure = assertThrows(BuildFailedException.class,
                    () -> new BuildJob(spark(), config(input, root, c.config())).run());
            assertEquals(c.failure(), failure.failure(), failure.getMessage());
            message = failure.getMessage();
        }
        for (String part : c.message()) {
            assertTrue(message.contains(part), "'" + part + "' not in: " + message);
        }
        if (c.failure() == Failure.INPUT_UNREADABLE) {
            String first = message.lines().findFirst().orElse("");
            assertTrue(first.contains(c.message().get(0)), "the first line says what is wrong: " + first);
        }
        Path indexDir = root.resolve("contract");
        assertEquals(baselineVersion, Files.readString(indexDir.resolve(BundleLayout.LATEST)).trim());
        try (Stream<Path> versions = Files.list(indexDir)) {
            for (Path version : (Iterable<Path>) versions::iterator) {
                String name = version.getFileName().toString();
                if (!name.equals(baselineVersion) && Files.isDirectory(version) && !name.startsWith("_")) {
                    assertFalse(Files.exists(version.resolve(BundleLayout.SUCCESS)), version + " looks complete");
                    assertTrue(Files.exists(version.resolve(BundleLayout.FAILED)), version + " is not marked failed");
                    assertFalse(Files.exists(version.resolve(BundleLayout.WORK)), version + " kept its _work");
                    assertFalse(Files.exists(version.resolve(BuildHeartbeat.FILE)), version + " kept its heartbeat");
                }
            }
        }
    }

    @Test
    void badRowsJustUnderTheToleranceAreQuarantinedExactly() throws IOException {
        Path input = dir.resolve("under-tolerance");
        withBadRows(input, 30);
        BuildResult result = build(input, Map.of("input.max-rejected-fraction", "0.01"));
        Manifest.Accounting accounting = result.manifest().accounting();
        assertBalanced(result);
        assertEquals(3030, accounting.inputRows());
        assertEquals(30, accounting.rejectedRows());
        assertEquals(Map.of("wrong-dimension", 10L, "non-finite", 10L, "null-vector", 10L),
                Map.copyOf(accounting.rejected()));
        Path quarantine = Path.of(java.net.URI.create(result.versionDir())).resolve(accounting.quarantine());
        List<Row> rows = spark().read().parquet(quarantine.toString()).collectAsList();
        Set<String> ids = rows.stream().map(r -> r.getString(0)).collect(Collectors.toCollection(TreeSet::new));
        Set<String> expected = new TreeSet<>();
        for (long id = 10_000; id < 10_030; id++) {
            expected.add(String.valueOf(id));
        }
        assertEquals(expected, ids, "quarantine holds exactly the rejected rows");
        assertEquals(30, rows.size());
        Row first = rows.stream().filter(r -> r.getString(0).equals("10000")).findFirst().orElseThrow();
        assertEquals("wrong-dimension", first.getString(1));
        assertEquals(10_000L, first.getStruct(2).getLong(0), "the original row is kept");
    }

    @Test
    void floatEdgeRowsWithinTheToleranceAreQuarantinedAndTheRestPublishes() throws IOException {
        Path input = dir.resolve("float-edges");
        List<Row> rows = new ArrayList<>();
        for (long id = 0; id < ROWS; id++) {
            rows.add(RowFactory.create(id, toDoubles(vector(id))));
        }
        rows.add(RowFactory.create(7001L, doubleWith(0, 1e39)));
        rows.add(RowFactory.create(7002L, doubleWith(1, -1e-60)));
        rows.add(RowFactory.create(7003L, doubleWith(2, 3e19)));
        rows.add(RowFactory.create(7004L, doubleWith(3, Double.NaN)));
        rows.add(RowFactory.create(-7005L, toDoubles(vector(7005))));
        write(input, DOUBLES, rows);
        BuildResult result = build(input, Map.of("input.max-rejected-fraction", "0.01"));
        assertBalanced(result);
        assertEquals(Map.of("negative-id", 1L, "non-finite", 1L, "float-overflow", 1L, "float-underflow", 1L,
                "norm-overflow", 1L), Map.copyOf(result.manifest().accounting().rejected()));
        assertEquals(ROWS, result.manifest().accounting().indexedRows());
        assertEquals(1234L, nearest(result, vector(1234)));
        Cli validate = Cli.run("validate", result.versionDir());
        assertEquals(0, validate.exitCode(), validate.out());
    }

    @Test
    void keepLatestKeepsTheLatestRowAndKeepFirstTheFirst() throws IOException {
        StructType versioned = SCHEMA.add("updated", DataTypes.LongType);
        Path input = dir.resolve("duplicates");
        List<Row> rows = new ArrayList<>();
        for (long id = 0; id < ROWS; id++) {
            rows.add(RowFactory.create(id, vector(id), 1L));
        }
        float[] newer = vector(424_242);
        rows.add(RowFactory.create(42L, newer, 2L));
        rows.add(RowFactory.create(43L, vector(434_343), 0L));
        write(input, versioned, rows);

        BuildResult latest = build(input, Map.of("input.duplicates", "keep-latest", "input.order-column", "updated"));
        assertBalanced(latest);
        assertEquals(2, latest.manifest().accounting().duplicatesDropped());
        assertEquals(ROWS, latest.manifest().accounting().indexedRows());
        assertEquals(42L, nearest(latest, newer), "keep-latest indexed the row with the highest 'updated'");

        BuildResult first = build(input, Map.of("input.duplicates", "keep-first", "input.order-column", "updated"));
        assertBalanced(first);
        assertEquals(43L, nearest(first, vector(434_343)), "keep-first indexed the row with the lowest 'updated'");
        assertTrue(nearestDistance(first, newer) > 0, "keep-first dropped the newer row of id 42");
    }

    @Test
    void allowDriftPublishesACountDrop() throws IOException {
        Path input = dir.resolve("allowed-drift");
        write(input, SCHEMA, good(0, ROWS / 2));
        BuildResult result = build(input, Map.of("publish.allow-drift", "true"));
        assertBalanced(result);
        assertEquals(ROWS / 2, result.manifest().accounting().indexedRows());
    }

    @Test
    void stringIdsAreMappedAndSearchPrintsThem() throws Exception {
        StructType strings = schema("id", DataTypes.StringType, "vector", DataTypes.FloatType);
        Path input = dir.resolve("string-ids");
        List<Row> rows = new ArrayList<>();
        for (long id = 0; id < ROWS; id++) {
            rows.add(RowFactory.create("user-" + id, vector(id)));
        }
        write(input, strings, rows);
        Path root = dir.resolve("string-root");
        BuildResult result = new BuildJob(spark(), config(input, root, Map.of())).run();
        assertBalanced(result);
        Manifest manifest = result.manifest();
        assertTrue(manifest.ids().external());
        assertEquals("idmap", manifest.ids().mapDir());
        assertTrue(manifest.files().stream().anyMatch(f -> f.role() == Manifest.FileRole.ID_MAP && f.crc32c() != null));
        Cli search = Cli.run("search", result.versionDir(), "--vector", join(vector(1234)), "-k", "1", "--json");
        assertEquals(0, search.exitCode(), search.err());
        assertTrue(search.out().contains("\"externalIds\":[\"user-1234\"]"), search.out());
        Cli byId = Cli.run("search", result.versionDir(), "--id", "user-1234", "-k", "1", "--json");
        assertEquals(0, byId.exitCode(), byId.err());
        assertTrue(byId.out().contains("\"externalIds\":[\"user-1234\"]"), "--id takes the external id: " + byId.out());
        Cli unknown = Cli.run("search", result.versionDir(), "--id", "user-nobody", "-k", "1");
        assertEquals(2, unknown.exitCode(), unknown.err());
        assertTrue(unknown.err().contains("user-nobody is not in the source"), unknown.err());
        Cli validate = Cli.run("validate", result.versionDir());
        assertEquals(0, validate.exitCode(), validate.out());

        // stock faiss-python (the wheel, with pyarrow) returns the external ids too
        Path versionDir = Path.of(java.net.URI.create(result.versionDir()));
        String queries = versionDir.resolve(BundleLayout.QUERIES).toString();
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.JsonNode python = json.readTree(Python.runWith(Python.WHEEL,
                "vecforge_bundle.py", versionDir.toString(), "--queries", queries, "-k", "3"));
        float[] first = java.util.Arrays.copyOf(io.vecforge.bundle.Fvecs.read(Path.of(queries)).vectors(), DIM);
        Cli java = Cli.run("search", result.versionDir(), "--vector", join(first), "-k", "3", "--json");
        assertEquals(0, java.exitCode(), java.err());
        assertEquals(json.readTree(java.out()).get("results").get(0).get("externalIds"),
                python.get("results").get(0).get("externalIds"), "python maps ids as vecforge does");
        for (com.fasterxml.jackson.databind.JsonNode found : python.get("results")) {
            found.get("externalIds").forEach(id -> assertTrue(id.asText().startsWith("user-"), python.toString()));
        }
        // the id map is read from a copy checked against the manifest: a damaged one is validate's failure
        Manifest.BundleFile map = manifest.files().stream().filter(f -> f.role() == Manifest.FileRole.ID_MAP)
                .findFirst().orElseThrow();
        Path mapFile = versionDir.resolve(map.file());
        byte[] bytes = Files.readAllBytes(mapFile);
        bytes[bytes.length / 2] ^= 0x01;
        Files.write(mapFile, bytes);
        Cli damaged = Cli.run("search", result.versionDir(), "--vector", join(vector(1234)), "-k", "1", "--json");
        assertEquals(14, damaged.exitCode(), damaged.out() + damaged.err());
        assertTrue(damaged.err().contains(map.file()), damaged.err());
    }

    @Test
    void cosineNormalisesAndValidates() throws IOException {
        Path input = dir.resolve("cosine");
        write(input, SCHEMA, good(0, ROWS));
        BuildResult result = new BuildJob(spark(), config(input, dir.resolve("cosine-root"),
                Map.of("index.metric", "cosine"))).run();
        assertEquals(io.vecforge.faiss.Metric.COSINE, result.manifest().vectors().metric());
        assertTrue(result.manifest().validation().recall() > 0.9, "recall " + result.manifest().validation().recall());
        float[] scaled = vector(77);
        for (int j = 0; j < DIM; j++) {
            scaled[j] *= 5f;
        }
        assertEquals(77L, nearest(result, scaled), "a scaled copy finds the original under cosine");
    }

    // ---- helpers ----

    private BuildResult build(Path input, Map<String, String> overrides) throws IOException {
        Path root = input.resolveSibling(input.getFileName() + "-root-" + System.nanoTime());
        copyBaseline(root);
        Map<String, String> settings = new HashMap<>(overrides);
        settings.putIfAbsent("publish.allow-drift", "true");
        return new BuildJob(spark(), config(input, root, settings)).run();
    }

    private static void assertBalanced(BuildResult result) {
        Manifest.Accounting a = result.manifest().accounting();
        assertEquals(a.inputRows(), a.indexedRows() + a.rejectedRows() + a.duplicatesDropped(), "accounting identity");
        assertEquals(a.indexedRows(), result.manifest().shardRows());
    }

    private long nearest(BuildResult result, float[] query) {
        Cli search = Cli.run("search", result.versionDir(), "--vector", join(query), "-k", "1", "--json");
        assertEquals(0, search.exitCode(), search.err());
        String ids = search.out().replaceAll("(?s).*\"ids\":\\[(-?\\d+)\\].*", "$1");
        return Long.parseLong(ids);
    }

    private double nearestDistance(BuildResult result, float[] query) {
        Cli search = Cli.run("search", result.versionDir(), "--vector", join(query), "-k", "1", "--json");
        return Double.parseDouble(search.out().replaceAll("(?s).*\"distances\":\\[([^\\]]+)\\].*", "$1"));
    }

    private static String join(float[] vector) {
        StringBuilder out = new StringBuilder();
        for (float v : vector) {
            out.append(out.length() == 0 ? "" : ",").append(v);
        }
        return out.toString();
    }

    private BuildConfig config(Path input, Path root, Map<String, String> overrides) {
        Map<String, String> settings = new HashMap<>();
        settings.put("index.name", "contract");
        settings.put("input.path", input.toUri().toString());
        settings.put("output.root", root.toUri().toString());
        settings.put("index.factory", "IVF16,Flat");
        settings.put("shards", "2");
        settings.put("validate.queries", "50");
        settings.putAll(overrides);
        return BuildConfig.of(settings, "test");
    }

    private void copyBaseline(Path root) throws IOException {
        Path from = baseline.resolve("contract");
        Path to = root.resolve("contract");
        try (Stream<Path> files = Files.walk(from)) {
            for (Path source : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target);
                }
            }
        }
    }

    private static StructType schema(String id, org.apache.spark.sql.types.DataType idType, String vector,
            org.apache.spark.sql.types.DataType element) {
        return new StructType().add(id, idType).add(vector, DataTypes.createArrayType(element));
    }

    void write(Path input, StructType schema, List<Row> rows) {
        spark().createDataFrame(rows, schema).coalesce(1).write().mode("append").parquet(input.toString());
    }

    void withExtraDoubles(Path input, Row... extra) {
        List<Row> rows = new ArrayList<>();
        for (long id = 0; id < ROWS; id++) {
            rows.add(RowFactory.create(id, toDoubles(vector(id))));
        }
        write(input, DOUBLES, rows);
        write(input, DOUBLES, List.of(extra));
    }

    double[] doubleWith(int component, double value) {
        double[] v = toDoubles(vector(1));
        v[component] = value;
        return v;
    }

    float[] filled(float value) {
        float[] v = new float[DIM];
        Arrays.fill(v, value);
        return v;
    }

    private static double[] toDoubles(float[] vector) {
        double[] out = new double[vector.length];
        for (int j = 0; j < vector.length; j++) {
            out[j] = vector[j];
        }
        return out;
    }

    void withExtra(Path input, Row... extra) {
        write(input, SCHEMA, good(0, ROWS));
        write(input, SCHEMA, List.of(extra));
    }

    /** ROWS good rows plus n bad ones (ids 10000…): wrong dimension, NaN and null vector in turn. */
    void withBadRows(Path input, int n) {
        write(input, SCHEMA, good(0, ROWS));
        List<Row> bad = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long id = 10_000 + i;
            bad.add(switch (i % 3) {
                case 0 -> RowFactory.create(id, new float[DIM + 1]);
                case 1 -> RowFactory.create(id, with(1, Float.NaN));
                default -> RowFactory.create(id, null);
            });
        }
        write(input, SCHEMA, bad);
    }

    List<Row> good(long from, long to) {
        return rows(from, to, this::vector);
    }

    List<Row> rows(long from, long to, java.util.function.LongFunction<float[]> vectors) {
        List<Row> rows = new ArrayList<>();
        for (long id = from; id < to; id++) {
            rows.add(RowFactory.create(id, vectors.apply(id)));
        }
        return rows;
    }

    float[] vector(long id) {
        return DATA.vector(id);
    }

    float[] with(int component, float value) {
        float[] v = vector(1);
        v[component] = value;
        return v;
    }

    private static Case bad(String name, InputMaker input, Failure failure, String... message) {
        return new Case(name, input, Map.of(), failure, List.of(message));
    }

    private static Case bad(String name, InputMaker input, Map<String, String> config, Failure failure,
            String... message) {
        return new Case(name, input, config, failure, List.of(message));
    }
}
