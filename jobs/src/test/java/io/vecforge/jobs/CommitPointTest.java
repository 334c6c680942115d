package io.vecforge.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecforge.FailPoint;
import io.vecforge.Failure;
import io.vecforge.bundle.BundleLayout;
import io.vecforge.bundle.BundleStorage;
import io.vecforge.bundle.IndexLifecycle;
import io.vecforge.data.EmbeddingParquetWriter;
import io.vecforge.jobs.config.BuildConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The build's commit point is LATEST moving. An error after it must not fail the build or touch
 * the version LATEST now names; an error while writing it leaves the version staged, never deleted.
 */
class CommitPointTest extends SparkTestSupport {
    @TempDir
    static Path dir;

    private static Path input;

    @BeforeAll
    void writeInput() throws IOException {
        input = dir.resolve("input");
        EmbeddingParquetWriter.generate(new Configuration(), new org.apache.hadoop.fs.Path(input.toUri()), 2_000, 8,
                2, 11, "id", "vector");
    }

    @AfterEach
    void disarm() {
        System.clearProperty(FailPoint.PROPERTY);
    }

    @Test
    void anErrorAfterLatestMovedLeavesThePublishedVersionWhole() throws IOException {
        Path root = dir.resolve("after-pointer");
        String first = build(root).manifest().version();
        System.setProperty(FailPoint.PROPERTY, FailPoint.AFTER_POINTER + ":throw");

        BuildResult second = build(root);

        String version = second.manifest().version();
        assertTrue(second.published());
        assertEquals(version, latest(root));
        Path versionDir = root.resolve("idx").resolve(version);
        assertFalse(Files.exists(versionDir.resolve(BundleLayout.FAILED)), "not marked failed");
        System.clearProperty(FailPoint.PROPERTY);
        Cli validate = Cli.run("validate", root.resolve("idx").toString());
        assertEquals(0, validate.exitCode(), validate.out() + validate.err());
        assertTrue(validate.out().contains(version), validate.out());
        assertEquals(1, lifecycle(root).history().size(), "the failed HISTORY append is a warning: only "
                + first + "'s entry is there");
    }

    @Test
    void aFailedPointerWriteLeavesTheVersionStagedAndLatestAlone() throws IOException {
        Path root = dir.resolve("pointer-write");
        String first = build(root).manifest().version();
        System.setProperty(FailPoint.PROPERTY, FailPoint.POINTER_WRITE + ":throw");

        BuildFailedException failure = assertThrows(BuildFailedException.class, () -> build(root));

        assertEquals(Failure.FAILED, failure.failure());
        assertTrue(failure.getMessage().contains("stays staged"), failure.getMessage());
        assertEquals(first, latest(root));
        String staged = lifecycle(root).list().get(0).version();
        assertTrue(lifecycle(root).isComplete(staged), "the complete version is kept, not deleted");
        System.clearProperty(FailPoint.PROPERTY);
        Cli publish = Cli.run("publish", root.toString(), "idx", staged);
        assertEquals(0, publish.exitCode(), publish.err());
        assertEquals(staged, latest(root));
    }

    private BuildResult build(Path root) {
        return new BuildJob(spark(), BuildConfig.of(Map.of("index.name", "idx", "input.path",
                input.toUri().toString(), "output.root", root.toUri().toString(), "index.factory", "IVF16,Flat",
                "shards", "2", "validate.queries", "20", "publish.allow-drift", "true"), "test")).run();
    }

    private static IndexLifecycle lifecycle(Path root) throws IOException {
        return new IndexLifecycle(BundleStorage.forUri(root.toUri(), new Configuration()),
                new BundleLayout(new org.apache.hadoop.fs.Path(root.toUri()), "idx"));
    }

    private static String latest(Path root) throws IOException {
        return Files.readString(root.resolve("idx").resolve(BundleLayout.LATEST)).trim();
    }
}
