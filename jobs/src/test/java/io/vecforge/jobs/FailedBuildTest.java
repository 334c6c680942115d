package io.vecforge.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecforge.Failure;
import io.vecforge.bundle.BundleLayout;
import io.vecforge.data.EmbeddingParquetWriter;
import io.vecforge.jobs.config.BuildConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A build that fails part-way leaves LATEST on the previous version and no new complete version. */
class FailedBuildTest extends SparkTestSupport {
    private static final int DIM = 16;

    @TempDir
    Path dir;

    @Test
    void aBadRowInOnePartitionPublishesNothing() throws IOException {
        Path good = dir.resolve("good");
        EmbeddingParquetWriter.generate(new Configuration(), new org.apache.hadoop.fs.Path(good.toUri()), 12_000,
                DIM, 3, 5, "id", "vector");
        Path root = dir.resolve("bundles");
        BuildResult first = new BuildJob(spark(), config(good, root)).run();
        Path indexDir = root.resolve("failing");
        assertEquals(first.manifest().version(), latest(indexDir));

        Path bad = dir.resolve("bad");
        copyParquet(good, bad);
        StructType schema = new StructType()
                .add("id", DataTypes.LongType, false)
                .add("vector", DataTypes.createArrayType(DataTypes.FloatType, false), true);
        Row wrongDimension = RowFactory.create(20_000_017L, new float[DIM - 1]);
        spark().createDataFrame(List.of(wrongDimension), schema).write().parquet(dir.resolve("one-bad-row").toString());
        copyParquet(dir.resolve("one-bad-row"), bad);

        BuildFailedException failure = assertThrows(BuildFailedException.class,
                () -> new BuildJob(spark(), config(bad, root)).run());
        assertEquals("check", failure.stage());
        assertEquals(Failure.BAD_ROWS, failure.failure());
        assertTrue(failure.getMessage().contains("20000017"), failure.getMessage());
        assertTrue(failure.getMessage().contains("wrong-dimension: 1"), failure.getMessage());

        assertEquals(first.manifest().version(), latest(indexDir), "LATEST still names the first version");
        try (Stream<Path> versions = Files.list(indexDir)) {
            List<Path> complete = versions.filter(v -> Files.exists(v.resolve(BundleLayout.SUCCESS))).toList();
            assertEquals(List.of(indexDir.resolve(first.manifest().version())), complete);
        }
        try (Stream<Path> entries = Files.list(indexDir)) {
            List<Path> failed = entries.filter(v -> Files.exists(v.resolve(BundleLayout.FAILED))).toList();
            assertEquals(1, failed.size(), "the failed attempt is marked _FAILED");
            try (Stream<Path> left = Files.list(failed.get(0))) {
                assertEquals(List.of(BundleLayout.FAILED, BundleLayout.QUARANTINE),
                        left.map(p -> p.getFileName().toString()).sorted().toList(),
                        "only the failure record and the quarantined row are kept");
            }
        }
    }

    private static BuildConfig config(Path input, Path root) {
        Map<String, String> settings = new HashMap<>();
        settings.put("index.name", "failing");
        settings.put("input.path", input.toUri().toString());
        settings.put("input.dimension", String.valueOf(DIM));
        settings.put("output.root", root.toUri().toString());
        settings.put("index.factory", "IVF16,PQ4np");
        settings.put("shards", "3");
        settings.put("validate.queries", "50");
        return BuildConfig.of(settings, "test");
    }

    private static String latest(Path indexDir) throws IOException {
        return Files.readString(indexDir.resolve(BundleLayout.LATEST)).trim();
    }

    private static void copyParquet(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                if (file.getFileName().toString().endsWith(".parquet")) {
                    Files.copy(file, to.resolve(file.getFileName()));
                }
            }
        }
    }
}
