package io.vecforge.bundle;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The short lock of {@link HadoopCommitOperations}: an exclusively created file naming its owner
 * ({@link ProcessOwner}, with the time of acquisition). Only its holder deletes it, and only while
 * it still holds the holder's bytes. A lock whose owner is dead on this host, or older than
 * {@link #STALE}, is broken by compare on content: the breaker renames it aside (one rename wins)
 * and deletes it only if it holds the bytes judged stale; otherwise it puts it back.
 *
 * <p>Breakers take turns (an exclusively created {@code .<lock>.breaking} file) and judge the lock
 * again once it is their turn: a contender that judged the stale lock before another broke it and
 * took it would otherwise move the new holder's fresh lock aside, and until it was put back the
 * holder would find no lock (refuse to publish, and leave its lock behind when it was put back after
 * its release). A breaking file older than {@link #BREAKING_STALE} belongs to a breaker that died.
 */
final class PublishLock implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PublishLock.class);
    /** The lock is held for a few small writes; one this old belongs to a publisher that died. */
    private static final Duration STALE = Duration.ofMinutes(2);
    private static final Duration WAIT = STALE.plusSeconds(30);
    /** Breaking takes a few file operations; a breaking file this old was left by a breaker that died. */
    static final Duration BREAKING_STALE = Duration.ofSeconds(10);

    private final HadoopBundleStorage storage;
    private final Path lock;
    private final byte[] owner;

    private PublishLock(HadoopBundleStorage storage, Path lock, byte[] owner) {
        this.storage = storage;
        this.lock = lock;
        this.owner = owner;
    }

    /** Waits for the lock of an index, then deletes the temporaries a killed holder left. */
    static PublishLock acquire(HadoopBundleStorage storage, BundleLayout layout) throws IOException {
        Path lock = layout.publishLock();
        byte[] owner = ProcessOwner.current().toJson();
        Instant giveUp = Instant.now().plus(WAIT);
        while (!storage.createExclusive(lock, owner)) {
            breakIfStale(storage, lock);
            if (Instant.now().isAfter(giveUp)) {
                throw new ConcurrentPublishException("LATEST of " + layout.indexDir() + " is locked by "
                        + ProcessOwner.describe(readOrEmpty(storage, lock)));
            }
            sleep();
        }
        PublishLock held = new PublishLock(storage, lock, owner);
        held.deleteLeftoverTemporaries(layout.indexDir());
        return held;
    }

    /** Refuses to go on when the lock was broken (this holder stalled past {@link #STALE}). */
    void requireHeld() throws IOException {
        if (!Arrays.equals(readOrEmpty(storage, lock), owner)) {
            throw new ConcurrentPublishException("the publish lock " + lock + " was broken while this publisher"
                    + " held it (it stalled over " + STALE.toMinutes() + " minutes); LATEST was not moved");
        }
    }

    /** Deletes the lock only if it is still this holder's; never throws (a lock left behind goes stale). */
    @Override
    public void close() {
        try {
            byte[] content = readOrEmpty(storage, lock);
            if (!Arrays.equals(content, owner)) {
                LOG.warn("not releasing {}: it was broken and is now held by {}", lock, ProcessOwner.describe(content));
                return;
            }
            storage.delete(lock);
        } catch (IOException | RuntimeException e) {
            LOG.warn("could not release the publish lock {} (the next publisher breaks it after {} min): {}", lock,
                    STALE.toMinutes(), e.getMessage());
        }
    }

    private static void breakIfStale(HadoopBundleStorage storage, Path lock) throws IOException {
        if (judgeStale(storage, lock) == null) {
            return;
        }
        Path breaking = breakingFile(lock);
        byte[] breaker = ProcessOwner.current().toJson();
        if (!storage.createExclusive(breaking, breaker)) {
            clearIfStale(storage, breaking); // another breaker's turn; a dead one's file goes
            return;
        }
        try {
            byte[] judged = judgeStale(storage, lock); // again: it may have been broken and taken meanwhile
            if (judged != null) {
                takeAside(storage, lock, judged);
            }
        } finally {
            if (Arrays.equals(readOrEmpty(storage, breaking), breaker)) { // not a successor's, after a long stall
                storage.delete(breaking);
            }
        }
    }

    static Path breakingFile(Path lock) {
        return new Path(lock.getParent(), "." + lock.getName() + ".breaking");
    }

    /** The lock's bytes if it is stale (its owner dead on this host, or older than {@link #STALE}); else null. */
    private static byte[] judgeStale(HadoopBundleStorage storage, Path lock) throws IOException {
        byte[] judged;
        long modified;
        try {
            judged = storage.read(lock);
            modified = storage.modificationTime(lock);
        } catch (FileNotFoundException released) {
            return null; // released meanwhile: try again
        }
        ProcessOwner holder = ProcessOwner.parse(judged);
        boolean dead = holder != null && holder.isDeadOnThisHost();
        return dead || System.currentTimeMillis() - modified > STALE.toMillis() ? judged : null;
    }

    private static void clearIfStale(HadoopBundleStorage storage, Path breaking) throws IOException {
        try {
            if (System.currentTimeMillis() - storage.modificationTime(breaking) > BREAKING_STALE.toMillis()) {
                LOG.warn("deleting {}, left by a lock breaker that died", breaking);
                storage.delete(breaking);
            }
        } catch (FileNotFoundException done) {
            // the other breaker finished
        }
    }

    /** Renames the lock aside and deletes it if it holds the bytes judged stale; else puts it back. */
    private static void takeAside(HadoopBundleStorage storage, Path lock, byte[] judged) throws IOException {
        ProcessOwner holder = ProcessOwner.parse(judged);
        boolean dead = holder != null && holder.isDeadOnThisHost();
        Path aside = new Path(lock.getParent(), "." + lock.getName() + ".broken" + HadoopBundleStorage.TEMPORARY_MARK
                + java.util.UUID.randomUUID());
        if (!storage.renameIfPresent(lock, aside)) {
            return; // another breaker or the holder got there first
        }
        byte[] taken = storage.read(aside);
        if (Arrays.equals(taken, judged)) {
            LOG.warn("broke the publish lock {} of a publisher that {} ({})", lock,
                    dead ? "is no longer running" : "held it over " + STALE.toMinutes() + " minutes",
                    ProcessOwner.describe(judged));
            storage.delete(aside);
            return;
        }
        // a new holder took the lock between the judgement and the rename: give it back
        if (!storage.createExclusive(lock, taken)) {
            LOG.warn("the publish lock {} of {} was moved aside by mistake and another publisher took it meanwhile;"
                    + " its holder will refuse to move LATEST", lock, ProcessOwner.describe(taken));
        }
        storage.delete(aside);
    }

    private static byte[] readOrEmpty(HadoopBundleStorage storage, Path lock) throws IOException {
        try {
            return storage.read(lock);
        } catch (FileNotFoundException e) {
            return new byte[0];
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
