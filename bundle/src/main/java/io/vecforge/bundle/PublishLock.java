package io.vecforge.bundle;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The short exclusive lock every move of an index's LATEST happens under: an exclusively created
 * file naming its owner ({@link ProcessOwner}). A lock whose owner is dead on this host, or that
 * is older than {@link #STALE}, is broken.
 */
final class PublishLock implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PublishLock.class);
    static final String FILE = "_publish.lock";
    /** The lock is held for a few small writes; one this old belongs to a publisher that died. */
    private static final Duration STALE = Duration.ofMinutes(2);
    private static final Duration WAIT = STALE.plusSeconds(30);

    private final BundleStorage storage;
    private final Path lock;

    private PublishLock(BundleStorage storage, Path lock) {
        this.storage = storage;
        this.lock = lock;
    }

    /** Waits for the lock of an index, then deletes the temporaries a killed holder left. */
    static PublishLock acquire(BundleStorage storage, Path indexDir) throws IOException {
        Path lock = new Path(indexDir, FILE);
        byte[] owner = ProcessOwner.current().toJson();
        Instant giveUp = Instant.now().plus(WAIT);
        while (!storage.createExclusive(lock, owner)) {
            breakIfStale(storage, lock);
            if (Instant.now().isAfter(giveUp)) {
                throw new ConcurrentPublishException("LATEST of " + indexDir + " is locked by "
                        + ProcessOwner.describe(storage.read(lock)));
            }
            sleep();
        }
        PublishLock held = new PublishLock(storage, lock);
        held.deleteLeftoverTemporaries(indexDir);
        return held;
    }

    /** Never throws: a lock left behind goes stale and is broken by the next publisher. */
    @Override
    public void close() {
        try {
            storage.delete(lock);
        } catch (IOException | RuntimeException e) {
            LOG.warn("could not release the publish lock {} (the next publisher breaks it after {} min): {}", lock,
                    STALE.toMinutes(), e.getMessage());
        }
    }

    private static void breakIfStale(BundleStorage storage, Path lock) throws IOException {
        try {
            byte[] content = storage.read(lock);
            ProcessOwner owner = ProcessOwner.parse(content);
            boolean dead = owner != null && owner.isDeadOnThisHost();
            if (dead || System.currentTimeMillis() - storage.modificationTime(lock) > STALE.toMillis()) {
                LOG.warn("breaking the publish lock {} of a publisher that {} ({})", lock,
                        dead ? "is no longer running" : "held it over " + STALE.toMinutes() + " minutes",
                        ProcessOwner.describe(content));
                storage.delete(lock);
            }
        } catch (FileNotFoundException released) {
            // released meanwhile: try again
        }
    }

    /** Pointer and history files a killed publisher was writing; only lock holders write them. */
    private void deleteLeftoverTemporaries(Path indexDir) throws IOException {
        for (StorageEntry entry : storage.list(indexDir)) {
            if (entry.isFile() && BundleStorage.isTemporary(entry.name())) {
                LOG.info("deleting {}, left by a publisher that was killed", entry.path());
                storage.delete(entry.path());
            }
        }
    }

    private static void sleep() throws IOException {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the publish lock", e);
        }
    }
}
