package io.vecforge.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecforge.bundle.BundleLayout;
import io.vecforge.bundle.BundleStorage;
import io.vecforge.bundle.IndexLifecycle;
import io.vecforge.bundle.Manifest;
import io.vecforge.bundle.StorageEntry;
import io.vecforge.bundle.s3.S3TestServer;
import io.vecforge.data.EmbeddingParquetWriter;
import io.vecforge.jobs.config.BuildConfig;
import io.vecforge.validate.BundleValidator;
import io.vecforge.validate.ValidationReport;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A build on S3 end to end against a real S3 server (s3proxy on loopback): Parquet read through
 * s3a://, the bundle published to s3:// through the conditional-PUT commit, validated from S3,
 * a second build on top, and no object anywhere holding the secret key.
 */
class S3BuildTest extends SparkTestSupport {
    private static final int ROWS = 20_000;

    @TempDir
    static Path dir;

    private S3TestServer server;
    private BuildResult first;
    private BuildResult second;

    @BeforeAll
    void buildTwice() throws Exception {
        server = S3TestServer.start(dir.resolve("s3"), "lake");
        Configuration hadoop = spark().sparkContext().hadoopConfiguration();
        server.conf().forEach(entry -> hadoop.set(entry.getKey(), entry.getValue()));
        Configuration writer = new Configuration();
        server.conf().forEach(entry -> writer.set(entry.getKey(), entry.getValue()));
        EmbeddingParquetWriter.generate(writer, new org.apache.hadoop.fs.Path("s3a://lake/input/dt=2026-12-01"), ROWS,
                32, 3, 11, "id", "vector");
        first = new BuildJob(spark(), BuildConfig.of(settings(), "test")).run();
        second = new BuildJob(spark(), BuildConfig.of(settings(), "test")).run();
    }

    @AfterAll
    void stopServer() throws Exception {
        server.close();
    }

    private static Map<String, String> settings() {
        Map<String, String> settings = new HashMap<>();
        settings.put("index.name", "s3idx");
        settings.put("input.path", "s3a://lake/input/dt=2026-12-01");
        settings.put("output.root", "s3://lake/bundles");
        settings.put("index.factory", "IVF64,PQ8");
        settings.put("shards", "2");
        settings.put("validate.nprobe", "16");
        settings.put("validate.min-recall", "0.5");
        return settings;
    }

    @Test
    void theBuildReadsS3aAndPublishesToS3() throws Exception {
        BundleStorage storage = server.storage();
        BundleLayout layout = new BundleLayout(new org.apache.hadoop.fs.Path("s3://lake/bundles"), "s3idx");
        Manifest manifest = first.manifest();
        assertEquals(ROWS, manifest.source().acceptedRows());
        assertEquals(ROWS, manifest.shardRows());
        assertTrue(first.versionDir().startsWith("s3://lake/bundles/s3idx/"), first.versionDir());
        for (Manifest.Shard shard : manifest.shards()) {
            org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(first.versionDir() + "/" + shard.file());
            assertTrue(storage.digest(file).matches(shard.bytes(), shard.crc32c()), shard.file());
        }
        assertFalse(storage.exists(new org.apache.hadoop.fs.Path(first.versionDir() + "/" + BundleLayout.WORK)),
                "build scratch is removed");
        IndexLifecycle lifecycle = new IndexLifecycle(storage, layout);
        assertEquals(second.manifest().version(), lifecycle.published().orElseThrow());
        assertEquals(first.manifest().version(), second.previousVersion());
        assertEquals(2, lifecycle.history().size());
        assertEquals(2, storage.list(layout.commitsDir()).size(), "one claimed commit step per publish");
    }

    @Test
    void theValidatorChecksTheBundleOnS3() throws Exception {
        ValidationReport report = new BundleValidator(server.storage(), new BundleValidator.Options(true, null, null,
                Files.createTempDirectory(dir, "validate"))).validate(
                        new org.apache.hadoop.fs.Path(second.versionDir()));
        assertEquals(0, report.exitCode(), report.summary());
    }

    @Test
    void noObjectOnS3HoldsTheSecretKey() throws Exception {
        BundleStorage storage = server.storage();
        List<org.apache.hadoop.fs.Path> files = new ArrayList<>();
        collect(storage, new org.apache.hadoop.fs.Path("s3://lake/bundles"), files);
        assertTrue(files.size() > 10, "objects: " + files);
        for (org.apache.hadoop.fs.Path file : files) {
            String content = new String(storage.read(file), StandardCharsets.ISO_8859_1);
            assertFalse(content.contains(server.secretKey()), file + " holds the secret key");
        }
        assertFalse(first.manifest().toJson().length == 0);
        assertFalse(new String(first.manifest().toJson(), StandardCharsets.UTF_8).contains(server.secretKey()));
    }

    private static void collect(BundleStorage storage, org.apache.hadoop.fs.Path dir,
            List<org.apache.hadoop.fs.Path> files) throws Exception {
        for (StorageEntry entry : storage.list(dir)) {
            if (entry.isDirectory()) {
                collect(storage, entry.path(), files);
            } else {
                files.add(entry.path());
            }
        }
    }
}
