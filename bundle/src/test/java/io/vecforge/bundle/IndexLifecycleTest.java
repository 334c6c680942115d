package io.vecforge.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IndexLifecycleTest {
    @TempDir
    Path root;

    private BundleStorage storage;
    private BundleLayout layout;
    private IndexLifecycle lifecycle;

    @BeforeEach
    void setUp() throws Exception {
        storage = BundleStorage.forUri(root.toUri(), new Configuration());
        layout = new BundleLayout(new org.apache.hadoop.fs.Path(root.toUri()), "idx");
        lifecycle = new IndexLifecycle(storage, layout);
    }

    @Test
    void publishNeedsACompleteVersionAndRecordsHistory() throws Exception {
        complete("20261101-a");
        complete("20261102-b");
        lifecycle.publish("20261101-a", "", "build");
        lifecycle.publish("20261102-b", "20261101-a", "build");
        assertEquals("20261102-b", lifecycle.published().orElseThrow());
        List<HistoryEntry> history = lifecycle.history();
        assertEquals(2, history.size());
        assertEquals(null, history.get(0).from());
        assertEquals("20261101-a", history.get(1).from());
        assertEquals("20261102-b", history.get(1).to());
        assertEquals(System.getProperty("user.name"), history.get(1).user());

        incomplete("20261103-c");
        assertThrows(IllegalStateException.class, () -> lifecycle.publish("20261103-c", null, "publish"));
        complete("20261104-d");
        Files.writeString(versionDir("20261104-d").resolve(Manifest.FILE_NAME), "{\"indexName\":\"tampered\"}");
        IllegalStateException tampered =
                assertThrows(IllegalStateException.class, () -> lifecycle.publish("20261104-d", null, "publish"));
        assertTrue(tampered.getMessage().contains("not complete"), tampered.getMessage());
        assertEquals("20261102-b", lifecycle.published().orElseThrow(), "refusals leave LATEST alone");
    }

    @Test
    void versionArgumentsNeverReachOutsideTheIndex() throws Exception {
        complete("20261101-a");
        lifecycle.publish("20261101-a", "", "build");
        lifecycle.pin("20261101-a");
        Path outside = root.resolve("20261101-outside");
        Files.createDirectories(outside);
        for (String bad : new String[] {"../20261101-outside", "../idx/20261101-a", "", "/tmp", "../LATEST"}) {
            assertThrows(IllegalArgumentException.class, () -> lifecycle.unpin("../" + bad));
            assertThrows(IllegalArgumentException.class, () -> lifecycle.unpin(bad));
            assertThrows(IllegalArgumentException.class, () -> lifecycle.pin(bad));
            assertThrows(IllegalArgumentException.class, () -> lifecycle.publish(bad, null, "publish"));
            assertThrows(IllegalArgumentException.class, () -> lifecycle.rollback(bad.isEmpty() ? "x" : bad));
        }
        assertTrue(Files.isDirectory(outside));
        assertTrue(Files.exists(versionDir("20261101-a").resolve(BundleLayout.SUCCESS)), "the version is intact");
        assertEquals(java.util.Set.of("20261101-a"), lifecycle.pins());
        assertEquals("20261101-a", lifecycle.published().orElseThrow());

        Files.createDirectories(root.resolve("idx").resolve("not-a-version"));
        Files.writeString(root.resolve("idx").resolve(BundleLayout.HISTORY),
                "{\"action\":\"build\",\"from\":\"../20261101-outside\",\"to\":\"20261101-a\"}\n",
                java.nio.file.StandardOpenOption.APPEND);
        assertEquals(List.of("20261101-a"), lifecycle.list().stream().map(VersionInfo::version).toList());
        assertEquals(List.of(), lifecycle.gc(1, Duration.ZERO, Instant.now()));
        assertTrue(Files.isDirectory(outside), "gc never follows HISTORY out of the index");
        assertTrue(Files.isDirectory(root.resolve("idx").resolve("not-a-version")), "nor deletes what it does not know");
    }

    @Test
    void aRepeatedPublishRecordsNothingAndRollbackStillReturnsToTheVersionBefore() throws Exception {
        complete("20261101-a");
        complete("20261102-b");
        lifecycle.publish("20261101-a", "", "build");
        lifecycle.publish("20261102-b", null, "publish");
        VersionCommit.Outcome again = lifecycle.publish("20261102-b", null, "publish"); // the task rerun
        assertEquals("20261102-b", again.from());
        assertEquals(2, lifecycle.history().size(), "a no-op publish appends nothing");
        assertEquals("20261101-a", lifecycle.rollback(null));

        // histories written before the fix hold the self-transition: previous() looks past it
        complete("20261103-c");
        lifecycle.publish("20261103-c", null, "publish");
        Files.writeString(root.resolve("idx").resolve(BundleLayout.HISTORY),
                "{\"action\":\"publish\",\"from\":\"20261103-c\",\"to\":\"20261103-c\"}\n",
                java.nio.file.StandardOpenOption.APPEND);
        assertEquals(java.util.Optional.of("20261101-a"), lifecycle.previous("20261103-c"));
    }

    @Test
    void aPublishExpectingAnotherCurrentVersionIsRefused() throws Exception {
        complete("20261101-a");
        complete("20261102-b");
        lifecycle.publish("20261101-a", "", "build");
        assertThrows(ConcurrentPublishException.class,
                () -> lifecycle.publish("20261102-b", "", "build"));
        assertEquals("20261101-a", lifecycle.published().orElseThrow());
    }

    @Test
    void concurrentPublishersFromTheSameStartOnlyOneWins() throws Exception {
        for (int i = 0; i < 8; i++) {
            complete("20261101-v" + i);
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<Boolean>> attempts = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String version = "20261101-v" + i;
                attempts.add(pool.submit(() -> {
                    start.await();
                    try {
                        lifecycle.publish(version, "", "build");
                        return true;
                    } catch (ConcurrentPublishException e) {
                        return false;
                    }
                }));
            }
            start.countDown();
            int winners = 0;
            for (Future<Boolean> attempt : attempts) {
                winners += attempt.get() ? 1 : 0;
            }
            assertEquals(1, winners);
            assertEquals(1, lifecycle.history().size());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void rollbackReturnsToThePreviouslyPublishedVersion() throws Exception {
        complete("20261101-a");
        complete("20261102-b");
        complete("20261103-c");
        lifecycle.publish("20261101-a", "", "build");
        lifecycle.publish("20261102-b", null, "build");
        lifecycle.publish("20261103-c", null, "build");
        assertEquals("20261102-b", lifecycle.rollback(null));
        assertEquals("20261101-a", lifecycle.rollback(null), "a second rollback goes further back");
        assertThrows(IllegalStateException.class, () -> lifecycle.rollback(null));
        assertEquals("20261103-c", lifecycle.rollback("20261103-c"));
        assertEquals("rollback", lifecycle.history().get(lifecycle.history().size() - 1).action());
    }

    @Test
    void listShowsEveryState() throws Exception {
        complete("20261101-a");
        complete("20261102-b");
        complete("20261103-c");
        failed("20261104-d");
        incomplete("20261105-e");
        lifecycle.publish("20261101-a", "", "build");
        lifecycle.publish("20261102-b", null, "build");
        lifecycle.pin("20261103-c");
        Map<String, String> states = lifecycle.list().stream()
                .collect(Collectors.toMap(VersionInfo::version, v -> v.state().label() + (v.pinned() ? "+pin" : "")));
        assertEquals(Map.of("20261101-a", "previous", "20261102-b", "published", "20261103-c", "staged+pin",
                "20261104-d", "failed", "20261105-e", "incomplete"), states);
        assertEquals("20261105-e", lifecycle.list().get(0).version(), "newest first");
        assertEquals(1234L, lifecycle.list().get(3).rows());
    }

    @Test
    void gcKeepsPublishedPreviousPinnedAndYoungVersions() throws Exception {
        for (String v : List.of("20261101-a", "20261102-b", "20261103-c", "20261104-d", "20261105-e")) {
            complete(v);
        }
        failed("20261106-f");
        incomplete("20261107-g");
        lifecycle.publish("20261102-b", "", "build");
        lifecycle.publish("20261103-c", null, "build");
        lifecycle.pin("20261101-a");

        assertEquals(List.of(), lifecycle.gc(1, Duration.ofHours(1), Instant.now()), "all younger than the grace");

        List<String> deleted = lifecycle.gc(1, Duration.ZERO, Instant.now().plusSeconds(5));
        assertEquals(List.of("20261107-g", "20261106-f", "20261104-d"), deleted);
        for (String kept : List.of("20261101-a", "20261102-b", "20261103-c", "20261105-e")) {
            assertTrue(Files.exists(versionDir(kept)), kept);
        }
        lifecycle.unpin("20261101-a");
        assertEquals(List.of("20261101-a"), lifecycle.gc(1, Duration.ZERO, Instant.now().plusSeconds(5)));
        assertFalse(Files.exists(versionDir("20261101-a")));
    }

    @Test
    void versionsOfKilledBuildsAreCleanedAndRunningOnesKept() throws Exception {
        long deadPid = deadProcessId();
        incomplete("20261101-killed");
        heartbeat("20261101-killed", hereWithPid(deadPid));
        incomplete("20261102-running");
        heartbeat("20261102-running", ProcessOwner.current());
        incomplete("20261105-other-container");
        heartbeat("20261105-other-container",
                new ProcessOwner("u", ProcessOwner.localHost(), "pid:[1]", deadPid, "t"));
        incomplete("20261103-elsewhere");
        heartbeat("20261103-elsewhere",
                new ProcessOwner("u", "another-host", ProcessOwner.currentPidNamespace(), deadPid, "t"));
        complete("20261104-finished");
        heartbeat("20261104-finished", hereWithPid(deadPid));

        assertEquals(List.of("20261101-killed"), lifecycle.cleanAbandoned(Instant.now()));
        assertFalse(Files.exists(versionDir("20261101-killed")));
        assertTrue(Files.exists(versionDir("20261102-running")), "a live owner's build is kept");
        assertTrue(Files.exists(versionDir("20261103-elsewhere")), "another host's build waits for a stale heartbeat");
        assertTrue(Files.exists(versionDir("20261105-other-container")), "so does another PID namespace's");
        assertTrue(lifecycle.isComplete("20261104-finished"));
        assertFalse(Files.exists(versionDir("20261104-finished").resolve(BuildHeartbeat.FILE)));

        Instant later = Instant.now().plus(BuildHeartbeat.STALE).plusSeconds(60);
        assertEquals(List.of("20261103-elsewhere", "20261105-other-container"), lifecycle.cleanAbandoned(later)
                .stream().filter(v -> !v.equals("20261102-running")).sorted().toList());
    }

    @Test
    void aLockHeldByADeadPublisherIsBrokenAtOnce() throws Exception {
        complete("20261101-a");
        Files.createDirectories(root.resolve("idx"));
        Files.write(root.resolve("idx").resolve("_publish.lock"), hereWithPid(deadProcessId()).toJson());
        Files.writeString(root.resolve("idx").resolve(".LATEST.tmp-0b5e"), "half");
        long start = System.nanoTime();
        lifecycle.publish("20261101-a", "", "build");
        assertTrue(System.nanoTime() - start < 20_000_000_000L, "no waiting for a dead owner");
        assertEquals("20261101-a", lifecycle.published().orElseThrow());
        assertFalse(Files.exists(root.resolve("idx").resolve("_publish.lock")));
        assertFalse(Files.exists(root.resolve("idx").resolve(".LATEST.tmp-0b5e")), "a killed publisher's leftover");
    }

    /** An owner on this host and in this PID namespace. */
    private static ProcessOwner hereWithPid(long pid) {
        return new ProcessOwner("u", ProcessOwner.localHost(), ProcessOwner.currentPidNamespace(), pid, "t");
    }

    private static long deadProcessId() throws Exception {
        Process process = new ProcessBuilder("true").start();
        process.waitFor();
        return process.pid();
    }

    private void heartbeat(String version, ProcessOwner owner) throws Exception {
        Files.write(versionDir(version).resolve(BuildHeartbeat.FILE), owner.toJson());
    }

    private Path versionDir(String version) {
        return root.resolve("idx").resolve(version);
    }

    private void complete(String version) throws Exception {
        Manifest manifest = TestManifests.minimal("idx", version);
        byte[] json = manifest.toJson();
        Files.createDirectories(versionDir(version));
        Files.write(versionDir(version).resolve(Manifest.FILE_NAME), json);
        Files.write(versionDir(version).resolve(BundleLayout.SUCCESS), Completion.marker(json));
    }

    private void failed(String version) throws Exception {
        Files.createDirectories(versionDir(version));
        Files.writeString(versionDir(version).resolve(BundleLayout.FAILED), "{}");
    }

    private void incomplete(String version) throws Exception {
        Files.createDirectories(versionDir(version).resolve("shard-00000.faiss.tmp"));
    }
}
