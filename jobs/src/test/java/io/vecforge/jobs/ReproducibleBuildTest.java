package io.vecforge.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.vecforge.bundle.Manifest;
import io.vecforge.data.EmbeddingParquetWriter;
import io.vecforge.jobs.config.BuildConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The same rows in 3 or 17 Parquet files build byte-identical shards, trained index and content hash. */
class ReproducibleBuildTest extends SparkTestSupport {
    @TempDir
    Path dir;

    @Test
    void fileLayoutDoesNotChangeTheBundle() throws Exception {
        BuildResult three = build(3);
        BuildResult seventeen = build(17);
        assertNotEquals(three.manifest().version(), seventeen.manifest().version());
        Path a = Path.of(java.net.URI.create(three.versionDir()));
        Path b = Path.of(java.net.URI.create(seventeen.versionDir()));
        for (Manifest.Shard shard : three.manifest().shards()) {
            assertArrayEquals(Files.readAllBytes(a.resolve(shard.file())), Files.readAllBytes(b.resolve(shard.file())),
                    shard.file());
        }
        for (Manifest.BundleFile file : three.manifest().files()) {
            assertArrayEquals(Files.readAllBytes(a.resolve(file.file())), Files.readAllBytes(b.resolve(file.file())),
                    file.file());
        }
        assertEquals(three.manifest().contentHash(), seventeen.manifest().contentHash());
        assertEquals(64, three.manifest().contentHash().length());
        Manifest reread = Manifest.fromJson(Files.readAllBytes(a.resolve(Manifest.FILE_NAME)));
        assertEquals(reread.contentHash(), reread.computeContentHash(), "the recorded hash is of the written manifest");
    }

    private BuildResult build(int files) throws Exception {
        Path input = dir.resolve("input-" + files);
        EmbeddingParquetWriter.generate(new Configuration(), new org.apache.hadoop.fs.Path(input.toUri()), 20_000, 16,
                files, 9, "id", "vector");
        Map<String, String> settings = new HashMap<>();
        settings.put("index.name", "repro");
        settings.put("input.path", input.toUri().toString());
        settings.put("output.root", dir.resolve("root-" + files).toUri().toString());
        settings.put("index.factory", "IVF32,PQ4np");
        settings.put("shards", "3");
        settings.put("validate.queries", "100");
        return new BuildJob(spark(), BuildConfig.of(settings, "test")).run();
    }
}
