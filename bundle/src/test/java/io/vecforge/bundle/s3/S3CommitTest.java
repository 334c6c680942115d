package io.vecforge.bundle.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecforge.FailPoint;
import io.vecforge.bundle.BundleLayout;
import io.vecforge.bundle.BundleReader;
import io.vecforge.bundle.BundleStorage;
import io.vecforge.bundle.CommitStateUnknownException;
import io.vecforge.bundle.FileDigest;
import io.vecforge.bundle.HistoryEntry;
import io.vecforge.bundle.IndexLifecycle;
import io.vecforge.bundle.StorageEntry;
import io.vecforge.bundle.PublisherRace;
import io.vecforge.bundle.VersionCommit;
import io.vecforge.bundle.VersionState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The S3 storage and commit against a real S3 server (s3proxy on loopback). */
class S3CommitTest {
    @TempDir
    static java.nio.file.Path data;

    private static S3TestServer server;
    private static int indexes;

    private BundleStorage storage;
    private BundleLayout layout;

    @BeforeAll
    static void startServer() throws Exception {
        server = S3TestServer.start(data.resolve("s3"), "bundles");
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    @BeforeEach
    void newIndex() throws Exception {
        server.start();
        storage = server.storage();
        layout = new BundleLayout(new Path("s3://bundles/team"), "idx" + (++indexes));
    }

    @AfterEach
    void disarm() {
        System.clearProperty(FailPoint.PROPERTY);
    }

    @Test
    void storageReadsWritesListsAndDeletesObjects() throws Exception {
        Path dir = layout.versionDir("20261101-a");
        assertFalse(storage.exists(dir));
        storage.write(new Path(dir, "a.txt"), "hello".getBytes(StandardCharsets.UTF_8));
        storage.write(new Path(dir, "sub/b.txt"), "world!".getBytes(StandardCharsets.UTF_8));
        assertTrue(storage.exists(dir), "a prefix with objects exists");
        assertEquals(5, storage.length(new Path(dir, "a.txt")));
        try (var in = storage.open(new Path(dir, "sub/b.txt"), 2)) {
            assertEquals("rld!", new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        List<String> names = storage.list(dir).stream().map(e -> e.name() + (e.isDirectory() ? "/" : ""))
                .sorted().collect(Collectors.toList());
        assertEquals(List.of("a.txt", "sub/"), names);
        StorageEntry sub = storage.list(dir).stream().filter(StorageEntry::isDirectory).findFirst().orElseThrow();
        assertTrue(sub.modifiedMillis() > 0, "a prefix is as new as its newest object");
        assertThrows(java.io.FileNotFoundException.class, () -> storage.read(new Path(dir, "missing")));
        storage.delete(dir);
        assertFalse(storage.exists(dir));
        assertEquals(List.of(), storage.list(dir));
    }

    @Test
    void largeFilesGoUpInPartsAndComeBackIdentical() throws Exception {
        BundleStorage small = smallParts();
        java.nio.file.Path local = data.resolve("big.bin");
        byte[] bytes = new byte[12 * 1024 * 1024 + 17];
        new Random(7).nextBytes(bytes);
        Files.write(local, bytes);
        Path target = new Path(layout.versionDir("20261101-a"), "shard-00000.faiss");
        FileDigest digest = small.upload(local, target);
        assertEquals(FileDigest.of(local), digest);
        assertEquals(bytes.length, small.length(target));
        assertEquals(digest, small.digest(target));
        java.nio.file.Path back = data.resolve("back.bin");
        small.download(target, back);
        assertArrayEquals(bytes, Files.readAllBytes(back));
    }

    @Test
    void anUploadCutShortByTheServerLeavesNoObjectAndARetryLands() throws Exception {
        BundleStorage small = smallParts();
        java.nio.file.Path local = data.resolve("cut.bin");
        byte[] bytes = new byte[11 * 1024 * 1024];
        new Random(9).nextBytes(bytes);
        Files.write(local, bytes);
        Path target = new Path(layout.versionDir("20261101-a"), "shard-00001.faiss");
        System.setProperty(FailPoint.PROPERTY, FailPoint.S3_PART_UPLOADED + ":pause-1500");
        Thread stopper = stopServerAfter(500);
        assertThrows(java.io.IOException.class, () -> small.upload(local, target));
        stopper.join();
        System.clearProperty(FailPoint.PROPERTY);
        server.start();
        assertFalse(small.exists(target), "a multipart upload that never completed is not an object");
        assertEquals(FileDigest.of(local), small.upload(local, target));
        assertEquals(FileDigest.of(local), small.digest(target));
    }

    /** Storage that uploads anything above 5 MiB in 5 MiB parts. */
    private static BundleStorage smallParts() {
        org.apache.hadoop.conf.Configuration conf = server.conf();
        conf.set(S3Settings.MULTIPART_THRESHOLD, "5m");
        conf.set(S3Settings.PART_SIZE, "5m");
        return S3BundleStorage.forUri(java.net.URI.create("s3://bundles/"), conf);
    }

    private static Thread stopServerAfter(long millis) {
        Thread stopper = new Thread(() -> {
            try {
                Thread.sleep(millis);
                server.stop();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        stopper.start();
        return stopper;
    }

    @Test
    void publishRollbackPinAndGcWorkAsOnHdfs() throws Exception {
        IndexLifecycle lifecycle = new IndexLifecycle(storage, layout);
        for (String version : List.of("20261101-a", "20261102-b", "20261103-c")) {
            stage(version);
            lifecycle.publish(version, null, "build");
        }
        assertEquals("20261103-c", lifecycle.published().orElseThrow());
        assertEquals("20261102-b", lifecycle.rollback(null));
        assertEquals("20261102-b", lifecycle.published().orElseThrow());
        assertEquals(List.of("build", "build", "build", "rollback"),
                lifecycle.history().stream().map(HistoryEntry::action).collect(Collectors.toList()));
        lifecycle.pin("20261101-a");
        stage("20261104-d");
        List<String> deleted = lifecycle.gc(1, Duration.ZERO, Instant.now().plusSeconds(60));
        assertEquals(List.of("20261103-c"), deleted, "gc keeps published, previous and pinned versions");
        assertEquals(VersionState.PUBLISHED, lifecycle.list().stream().filter(v -> v.version().equals("20261102-b"))
                .findFirst().orElseThrow().state());
        assertEquals("20261102-b\n", new String(storage.read(layout.latest()), StandardCharsets.UTF_8),
                "LATEST is the plain version name stock readers expect");
    }

    @Test
    void aVersionNameIsClaimedOnce() throws Exception {
        byte[] owner = "{}".getBytes(StandardCharsets.UTF_8);
        assertTrue(storage.commitOperations(layout).claimVersion("20261101-a", owner));
        assertFalse(storage.commitOperations(layout).claimVersion("20261101-a", owner));
    }

    /** Two builders publish at once, round after round: exactly one wins each round. */
    @Test
    void twoPublishersRacingHaveExactlyOneWinnerEachRound() throws Exception {
        PublisherRace.run(storage, layout, 12);
    }

    /** A publisher that claimed its step and died before writing LATEST: the next reader finishes it. */
    @Test
    void aClaimWhosePointerWriteWasLostIsFinishedByTheNextReader() throws Exception {
        stage("20261101-a");
        new VersionCommit(storage, layout, "20261101-a").publish("", "build");
        stage("20261102-b");
        System.setProperty(FailPoint.PROPERTY, FailPoint.POINTER_WRITE + ":pause-1500");
        Thread stopper = stopServerAfter(500);
        CommitStateUnknownException e = assertThrows(CommitStateUnknownException.class,
                () -> new VersionCommit(storage, layout, "20261102-b").publish("20261101-a", "build"));
        stopper.join();
        assertTrue(e.getMessage().contains("is claimed"), e.getMessage());
        System.clearProperty(FailPoint.PROPERTY);
        server.start();
        assertEquals("20261101-a\n", new String(storage.read(layout.latest()), StandardCharsets.UTF_8),
                "the pointer write never happened");
        assertEquals("20261102-b", new IndexLifecycle(storage, layout).published().orElseThrow(),
                "the claimed commit is decided: reading LATEST completes it");
        assertEquals("20261102-b\n", new String(storage.read(layout.latest()), StandardCharsets.UTF_8));
        stage("20261103-c");
        new VersionCommit(storage, layout, "20261103-c").publish("20261102-b", "build");
        assertEquals("20261103-c", new IndexLifecycle(storage, layout).published().orElseThrow());
    }

    @Test
    void aPublishAgainstAStoppedServerLeavesLatestAndARerunPublishes() throws Exception {
        stage("20261101-a");
        new VersionCommit(storage, layout, "20261101-a").publish("", "build");
        stage("20261102-b");
        server.stop();
        assertThrows(java.io.IOException.class,
                () -> new VersionCommit(storage, layout, "20261102-b").publish("20261101-a", "build"));
        server.start();
        assertEquals("20261101-a", new IndexLifecycle(storage, layout).published().orElseThrow());
        assertTrue(new BundleReader(storage, layout.versionDir("20261102-b")).isComplete());
        new VersionCommit(storage, layout, "20261102-b").publish("20261101-a", "build");
        assertEquals("20261102-b", new IndexLifecycle(storage, layout).published().orElseThrow());
    }

    private void stage(String version) throws Exception {
        PublisherRace.stage(storage, layout, version);
    }
}
