package io.vecforge.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Hadoop commit's lock: only its holder releases it; a stale one is broken by compare on content. */
class PublishLockTest {
    @TempDir
    java.nio.file.Path dir;
    private HadoopBundleStorage storage;
    private BundleLayout layout;
    private java.nio.file.Path lockFile;

    @BeforeEach
    void setUp() throws Exception {
        storage = HadoopBundleStorage.forUri(dir.toUri(), new Configuration());
        layout = new BundleLayout(new Path(dir.toUri()), "idx");
        Files.createDirectories(dir.resolve("idx"));
        lockFile = dir.resolve("idx").resolve(BundleLayout.PUBLISH_LOCK);
    }

    @Test
    void aHolderWhoseLockWasBrokenNeitherMovesOnNorDeletesItsSuccessorsLock() throws Exception {
        PublishLock slow = PublishLock.acquire(storage, layout);
        Files.setLastModifiedTime(lockFile, FileTime.from(Instant.now().minusSeconds(600))); // it stalled

        PublishLock next = PublishLock.acquire(storage, layout); // breaks the stale lock
        byte[] successor = Files.readAllBytes(lockFile);

        assertThrows(ConcurrentPublishException.class, slow::requireHeld);
        slow.close();
        assertTrue(Files.exists(lockFile), "the slow holder must not delete its successor's lock");
        assertArrayEquals(successor, Files.readAllBytes(lockFile));
        next.requireHeld();
        next.close();
        assertTrue(Files.notExists(lockFile), "the holder releases its own lock");
        assertEquals(List.of(), leftovers());
    }

    @Test
    void concurrentBreakersOfAStaleLockNeverHoldItTogether() throws Exception {
        Files.write(lockFile, ProcessOwner.current().toJson());
        Files.setLastModifiedTime(lockFile, FileTime.from(Instant.now().minusSeconds(600)));
        List<long[]> holds = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                futures.add(pool.submit(() -> {
                    try (PublishLock lock = PublishLock.acquire(storage, layout)) {
                        long start = System.nanoTime();
                        Thread.sleep(150);
                        lock.requireHeld();
                        holds.add(new long[] {start, System.nanoTime()});
                    }
                    return null;
                }));
            }
            for (Future<?> future : futures) {
                future.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(4, holds.size(), "every contender got the lock once");
        holds.sort((a, b) -> Long.compare(a[0], b[0]));
        for (int i = 1; i < holds.size(); i++) {
            assertTrue(holds.get(i)[0] >= holds.get(i - 1)[1], "two contenders held the lock at once");
        }
        assertTrue(Files.notExists(lockFile));
        assertEquals(List.of(), leftovers());
    }

    @Test
    void aBreakingFileLeftByABreakerThatDiedIsClearedAndTheStaleLockBroken() throws Exception {
        Files.write(lockFile, ProcessOwner.current().toJson());
        Files.setLastModifiedTime(lockFile, FileTime.from(Instant.now().minusSeconds(600)));
        java.nio.file.Path breaking = lockFile.resolveSibling("." + lockFile.getFileName() + ".breaking");
        Files.write(breaking, ProcessOwner.current().toJson());
        Files.setLastModifiedTime(breaking, FileTime.from(Instant.now().minus(PublishLock.BREAKING_STALE)
                .minusSeconds(1)));

        try (PublishLock lock = PublishLock.acquire(storage, layout)) {
            lock.requireHeld();
            assertTrue(Files.notExists(breaking));
        }
        assertEquals(List.of(), leftovers());
    }

    @Test
    void storesWithoutAtomicCommitsAreRefused() {
        UnsupportedStorageException e = assertThrows(UnsupportedStorageException.class,
                () -> BundleStorage.forUri(java.net.URI.create("gs://bucket/indexes"), new Configuration()));
        assertTrue(e.getMessage().contains("gs://") && e.getMessage().contains("not atomic"), e.getMessage());
    }

    private List<String> leftovers() throws Exception {
        try (var files = Files.list(dir.resolve("idx"))) {
            return files.map(p -> p.getFileName().toString()).toList();
        }
    }
}
