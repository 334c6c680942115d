package io.vecforge.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecforge.Failure;
import io.vecforge.bundle.BundleLayout;
import io.vecforge.data.EmbeddingParquetWriter;
import io.vecforge.jobs.config.BuildConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** stage -> validate -> publish -> rollback through the CLI, and concurrent builds of one index. */
class LifecycleTest extends SparkTestSupport {
    @TempDir
    static Path dir;

    private Path input;

    @BeforeAll
    void generate() throws Exception {
        input = dir.resolve("input");
        EmbeddingParquetWriter.generate(new Configuration(), new org.apache.hadoop.fs.Path(input.toUri()), 3000, 8, 2,
                5, "id", "vector");
    }

    @Test
    void stagePublishListAndRollBack() throws Exception {
        Path root = dir.resolve("lifecycle");
        BuildResult first = new BuildJob(spark(), config(root, "2026-11-19")).run();
        BuildResult second = new BuildJob(spark(), config(root, "2026-11-20")).withoutPublishing().run();
        assertTrue(first.published());
        assertTrue(!second.published());
        assertEquals(first.manifest().version(), latest(root));
        assertTrue(second.manifest().version().startsWith("20261120-"), second.manifest().version());
        assertEquals(null, first.manifest().parent(), "the first version of an index has no parent");
        assertEquals(first.manifest().version(), second.manifest().parent().version(), "lineage: what LATEST named");
        assertEquals(first.manifest().contentHash(), second.manifest().parent().contentHash());

        Cli list = Cli.run("list", root.toString(), "lc");
        assertEquals(0, list.exitCode(), list.err());
        assertTrue(list.out().matches("(?s).*" + second.manifest().version() + "\\s+staged.*"), list.out());
        assertTrue(list.out().matches("(?s).*" + first.manifest().version() + "\\s+published.*"), list.out());

        Path indexDir = root.resolve("lc");
        for (String named : new String[] {indexDir.toString(), indexDir.resolve(first.manifest().version()).toUri()
                .toString()}) {
            Cli byPath = Cli.run("list", named); // one way to name an index, as for validate and search
            assertEquals(0, byPath.exitCode(), byPath.err());
            assertEquals(list.out(), byPath.out(), "list " + named + " lists what list ROOT INDEX does");
        }
        Cli publish = Cli.run("publish", indexDir.toString(), second.manifest().version());
        assertEquals(0, publish.exitCode(), publish.err());
        assertEquals(second.manifest().version(), latest(root));
        Cli listJson = Cli.run("list", "--json", root.toString(), "lc");
        com.fasterxml.jackson.databind.JsonNode versions = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(listJson.out());
        assertEquals("previous", versions.get(1).get("state").asText(), listJson.out());
        assertTrue(versions.get(0).get("rows").isIntegralNumber(), "rows is a number: " + listJson.out());
        assertTrue(versions.get(0).get("bytes").isIntegralNumber(), listJson.out());
        assertTrue(versions.get(0).get("recall").isDouble(), listJson.out());
        assertTrue(versions.get(0).get("pinned").isBoolean(), listJson.out());

        Cli rollback = Cli.run("rollback", root.toString(), "lc");
        assertEquals(0, rollback.exitCode(), rollback.err());
        assertEquals(first.manifest().version(), latest(root));
        String history = Files.readString(root.resolve("lc").resolve("HISTORY.jsonl"));
        assertEquals(3, history.lines().count(), history);
        assertTrue(history.contains("\"action\":\"rollback\""), history);

        Cli tampered = Cli.run("publish", root.toString(), "lc", "20261120-nonexistent");
        assertEquals(4, tampered.exitCode(), tampered.err());
        assertEquals(first.manifest().version(), latest(root));
    }

    @Test
    void twoBuildsOfOneIndexAtOnceOnlyOnePublishes() throws Exception {
        Path root = dir.resolve("concurrent");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<BuildResult>> builds = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                builds.add(pool.submit(() -> new BuildJob(spark(), config(root, "2026-11-20")).run()));
            }
            List<BuildResult> published = new ArrayList<>();
            List<BuildFailedException> refused = new ArrayList<>();
            for (Future<BuildResult> build : builds) {
                try {
                    published.add(build.get());
                } catch (java.util.concurrent.ExecutionException e) {
                    refused.add((BuildFailedException) e.getCause());
                }
            }
            assertEquals(1, published.size(), "exactly one build publishes");
            assertEquals(1, refused.size());
            assertEquals(Failure.CONCURRENT_PUBLISH, refused.get(0).failure(), refused.get(0).getMessage());
            assertEquals(published.get(0).manifest().version(), latest(root));
            Cli list = Cli.run("list", root.toString(), "lc");
            assertTrue(list.out().contains("staged"), "the loser's version stays complete and staged:\n" + list.out());
        } finally {
            pool.shutdownNow();
        }
    }

    private BuildConfig config(Path root, String logicalDate) {
        Map<String, String> settings = new HashMap<>();
        settings.put("index.name", "lc");
        settings.put("input.path", input.toUri().toString());
        settings.put("output.root", root.toUri().toString());
        settings.put("index.factory", "IVF16,Flat");
        settings.put("shards", "2");
        settings.put("validate.queries", "50");
        settings.put("build.logical-date", logicalDate);
        return BuildConfig.of(settings, "test");
    }

    private static String latest(Path root) throws Exception {
        return Files.readString(root.resolve("lc").resolve(BundleLayout.LATEST)).trim();
    }
}
