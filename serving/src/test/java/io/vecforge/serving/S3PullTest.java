package io.vecforge.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vecforge.bundle.BundleLayout;
import io.vecforge.bundle.BundleStorage;
import io.vecforge.bundle.Manifest;
import io.vecforge.bundle.VersionCommit;
import io.vecforge.bundle.s3.S3TestServer;
import io.vecforge.validate.TestBundle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** vecforge-pull from a bundle on a real S3 server (s3proxy on loopback), and a pull the server cut short. */
class S3PullTest {
    @TempDir
    Path dir;

    @Test
    void pullsFromS3AndAnInterruptedPullActivatesNothing() throws Exception {
        TestBundle local = TestBundle.write(dir.resolve("local"));
        try (S3TestServer server = S3TestServer.start(dir.resolve("s3"), "served")) {
            BundleStorage s3 = server.storage();
            BundleLayout layout = new BundleLayout(new org.apache.hadoop.fs.Path("s3://served/bundles"),
                    TestBundle.INDEX_NAME);
            String version = local.manifest.version();
            Path versionDir = Path.of(local.versionDir.toUri());
            copy(versionDir, s3, layout.versionDir(version));
            new VersionCommit(s3, layout, version).publish("", "test");

            Path cut = dir.resolve("cut-node");
            server.stop();
            assertThrows(IOException.class, () -> new Puller(s3, layout.indexDir(), cut, Puller.Options.defaults())
                    .pull());
            assertFalse(Files.exists(cut.resolve("current")), "nothing is activated by a pull that failed");
            server.start();
            Puller.Result result = new Puller(s3, layout.indexDir(), cut, Puller.Options.defaults()).pull();
            assertEquals(version, result.version());
            assertEquals(version, Files.readSymbolicLink(cut.resolve("current")).getFileName().toString());
            for (Manifest.Shard shard : local.manifest.shards()) {
                assertArrayEquals(Files.readAllBytes(versionDir.resolve(shard.file())),
                        Files.readAllBytes(cut.resolve("current").resolve(shard.file())), shard.file());
            }
        }
    }

    private static void copy(Path from, BundleStorage to, org.apache.hadoop.fs.Path target) throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(from)) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        // _SUCCESS last, as a build writes it
        for (Path file : files.stream().sorted((a, b) -> Boolean.compare(a.endsWith(BundleLayout.SUCCESS),
                b.endsWith(BundleLayout.SUCCESS))).toList()) {
            to.upload(file, new org.apache.hadoop.fs.Path(target, from.relativize(file).toString()));
        }
    }
}
