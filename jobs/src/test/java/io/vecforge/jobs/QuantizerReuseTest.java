package io.vecforge.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecforge.bundle.BundleLayout;
import io.vecforge.bundle.Manifest;
import io.vecforge.data.EmbeddingParquetWriter;
import io.vecforge.jobs.config.BuildConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train.reuse: yesterday's quantizer, taken as it is, or by the drift test; the manifest says which. */
class QuantizerReuseTest extends SparkTestSupport {
    private static final int ROWS = 20_000;
    private static final int DIM = 16;

    @TempDir
    static Path dir;

    private static Path input;
    private static Path shifted;

    @BeforeAll
    void writeInputs() throws IOException {
        input = dir.resolve("input");
        EmbeddingParquetWriter.generate(new Configuration(), new org.apache.hadoop.fs.Path(input.toUri()), ROWS, DIM,
                2, 3, "id", "vector");
        shifted = dir.resolve("shifted"); // other clusters: yesterday's centroids fit it badly
        EmbeddingParquetWriter.generate(new Configuration(), new org.apache.hadoop.fs.Path(shifted.toUri()), ROWS,
                DIM, 2, 99, "id", "vector");
    }

    @Test
    void aReusedQuantizerGivesTheSameBytesAndAutoRetrainsWhenTheDataMoved() throws IOException {
        Path root = dir.resolve("root");
        BuildResult first = build(root, input, "never");
        Manifest trained = first.manifest();
        assertNull(trained.training().reusedFrom());
        assertNotNull(trained.training().quantizerFit());

        BuildResult reused = build(root, input, "previous");
        assertEquals(trained.version(), reused.manifest().training().reusedFrom());
        Path a = versionDir(first);
        Path b = versionDir(reused);
        assertArrayEquals(Files.readAllBytes(a.resolve(BundleLayout.TRAINED_INDEX)),
                Files.readAllBytes(b.resolve(BundleLayout.TRAINED_INDEX)), "the trained index is taken as it is");
        for (Manifest.Shard shard : trained.shards()) {
            assertArrayEquals(Files.readAllBytes(a.resolve(shard.file())), Files.readAllBytes(b.resolve(shard.file())),
                    shard.file() + " is byte-identical to the build that trained that index");
        }
        assertEquals(trained.contentHash(), reused.manifest().contentHash());

        BuildResult auto = build(root, input, "auto");
        assertEquals(reused.manifest().version(), auto.manifest().training().reusedFrom(), "same data: the fit holds");
        assertTrue(auto.manifest().training().reuseDecision().startsWith("reused: "),
                auto.manifest().training().reuseDecision());

        BuildResult moved = build(root, shifted, "auto");
        Manifest.Training training = moved.manifest().training();
        assertNull(training.reusedFrom(), training.reuseDecision());
        assertTrue(training.reuseDecision().startsWith("trained: fit "), training.reuseDecision());
        assertTrue(training.reuseDecision().contains("train.max-reuse-degradation 10.00%"), training.reuseDecision());
        Cli validate = Cli.run("validate", moved.versionDir());
        assertEquals(0, validate.exitCode(), validate.out());
    }

    @Test
    void aDamagedPublishedTrainedIndexIsNotReusedButTrainedAfresh() throws IOException {
        Path root = dir.resolve("damaged");
        BuildResult first = build(root, input, "never");
        Path trained = versionDir(first).resolve(BundleLayout.TRAINED_INDEX);
        byte[] bytes = Files.readAllBytes(trained);
        bytes[bytes.length / 2] ^= 0x01; // a centroid's low bits: Faiss would read it without complaint
        Files.write(trained, bytes);

        BuildResult next = build(root, input, "previous");
        Manifest.Training training = next.manifest().training();
        assertNull(training.reusedFrom(), training.reuseDecision());
        assertTrue(training.reuseDecision().startsWith("trained: " + first.manifest().version()
                + "'s trained index does not match its manifest (CRC32C"), training.reuseDecision());
        assertTrue(next.published());
    }

    private BuildResult build(Path root, Path data, String reuse) {
        Map<String, String> settings = new HashMap<>();
        settings.put("index.name", "reuse");
        settings.put("input.path", data.toUri().toString());
        settings.put("output.root", root.toUri().toString());
        settings.put("index.factory", "IVF64,PQ8np");
        settings.put("shards", "2");
        settings.put("validate.queries", "50");
        settings.put("validate.min-recall", "0");
        settings.put("publish.allow-drift", "true");
        settings.put("train.reuse", reuse);
        return new BuildJob(spark(), BuildConfig.of(settings, "test")).run();
    }

    private static Path versionDir(BuildResult result) {
        return Path.of(java.net.URI.create(result.versionDir()));
    }
}
