package io.vecforge.bundle;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vecforge.FailPoint;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The commit protocol of one version of an index (modelled on Iceberg's
 * HadoopTableOperations.commit): the only code that writes _SUCCESS, moves LATEST, appends to
 * HISTORY.jsonl or writes _FAILED.
 * <pre>
 *  BUILDING ──stage()──▶ STAGED ──publish()──▶ [lock] ─CAS LATEST─▶ PUBLISHED ─▶ HISTORY ─▶ [unlock]
 *  (files,               (manifest.json,        │          │            │
 *   _building)            then _SUCCESS =       │          │            └ errors from here on are warnings:
 *      │                  its SHA-256)          │          │              the commit has happened
 *      │                      │                 │          └ pointer write failed and re-reading LATEST
 *      │                      │                 │            cannot tell ─▶ CommitStateUnknownException
 *      │                      │                 │            (keep every file, mark nothing failed)
 *      │                      │                 └ lock held / LATEST moved / not complete ─▶
 *      │                      │                   CommitFailedException (version stays STAGED)
 *      └──fail()──▶ FAILED (_FAILED with why; files deleted, quarantine kept) — refused once LATEST
 *                   names the version
 * </pre>
 */
public final class VersionCommit {
    private static final Logger LOG = LoggerFactory.getLogger(VersionCommit.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a successful publish did; {@code warnings} are errors after the pointer moved. */
    public record Outcome(String from, String to, List<String> warnings) {}

    private final BundleStorage storage;
    private final BundleLayout layout;
    private final String version;
    private final Path versionDir;

    public VersionCommit(BundleStorage storage, BundleLayout layout, String version) {
        this.storage = storage;
        this.layout = layout;
        this.version = VersionName.check(version);
        this.versionDir = layout.versionDir(version);
    }

    /** The version LATEST names now, checked to be a plain version of this index. */
    public static Optional<String> published(BundleStorage storage, BundleLayout layout) throws IOException {
        Optional<String> raw = storage.readPointer(layout.latest());
        return raw.map(value -> VersionName.fromPointer(value, layout.latest()));
    }

    /** Writes the manifest, then the _SUCCESS that vouches for it: from here the version is complete. */
    public void stage(byte[] manifestJson) throws IOException {
        storage.write(new Path(versionDir, Manifest.FILE_NAME), manifestJson);
        FailPoint.reach(FailPoint.BEFORE_SUCCESS);
        storage.write(new Path(versionDir, BundleLayout.SUCCESS), Completion.marker(manifestJson));
    }

    /**
     * Points LATEST at this complete version under the publish lock.
     *
     * @param expectedCurrent if not null, publish only while LATEST still names this version (""
     *     for nothing): how a build makes sure no other build published meanwhile
     * @throws CommitFailedException LATEST was not moved
     * @throws CommitStateUnknownException LATEST may or may not name the version
     */
    public Outcome publish(String expectedCurrent, String action) throws IOException {
        if (!new BundleReader(storage, versionDir).isComplete()) {
            throw new CommitFailedException("version " + version + " of " + layout.indexDir()
                    + " is not complete: no _SUCCESS vouching for its manifest.json");
        }
        try (PublishLock lock = PublishLock.acquire(storage, layout.indexDir())) {
            String current = published(storage, layout).orElse(null);
            if (expectedCurrent != null && !expectedCurrent.equals(current == null ? "" : current)) {
                throw new ConcurrentPublishException("LATEST of " + layout.indexDir() + " moved to " + current
                        + " while this build ran (it started from " + (expectedCurrent.isEmpty() ? "nothing"
                        : expectedCurrent) + "); version " + version + " stays staged");
            }
            FailPoint.reach(FailPoint.PUBLISH_LOCKED);
            movePointer(current);
            List<String> warnings = afterPointerMoved(current, action);
            LOG.info("LATEST of {}: {} -> {} ({})", layout.indexDir(), current, version, action);
            return new Outcome(current, version, warnings);
        }
    }

    /** The pointer write; on an error, LATEST is read back to tell a failed move from one that happened. */
    private void movePointer(String current) throws IOException {
        try {
            FailPoint.reach(FailPoint.POINTER_WRITE);
            storage.movePointer(layout.latest(), version);
        } catch (IOException | RuntimeException e) {
            Optional<String> now;
            try {
                now = published(storage, layout);
            } catch (IOException | RuntimeException unreadable) {
                e.addSuppressed(unreadable);
                throw new CommitStateUnknownException("writing LATEST of " + layout.indexDir() + " failed ("
                        + e.getMessage() + ") and it cannot be read back: it may or may not name " + version
                        + "; nothing was deleted. Check with `vecforge list`.", e);
            }
            if (now.isPresent() && now.get().equals(version)) {
                LOG.warn("writing LATEST reported an error ({}), but it names {}: committed", e.getMessage(),
                        version);
                return;
            }
            if (Objects.equals(now.orElse(null), current)) {
                throw new CommitFailedException("could not move LATEST of " + layout.indexDir() + " to " + version
                        + ": " + e.getMessage() + "; it still names " + current, e);
            }
            throw new CommitStateUnknownException("writing LATEST of " + layout.indexDir() + " failed ("
                    + e.getMessage() + ") and it now names " + now.orElse("nothing") + "; nothing was deleted", e);
        }
    }

    /** The commit has happened: nothing from here may fail it, so errors become warnings. */
    private List<String> afterPointerMoved(String current, String action) {
        List<String> warnings = new ArrayList<>();
        try {
            FailPoint.reach(FailPoint.AFTER_POINTER);
            appendHistory(new HistoryEntry(Instant.now().toString(), action, current, version,
                    System.getProperty("user.name", "unknown"), ProcessOwner.localHost()));
        } catch (IOException | RuntimeException e) {
            String warning = "LATEST names " + version + ", but HISTORY.jsonl was not appended: " + e.getMessage();
            LOG.warn("{}", warning);
            warnings.add(warning);
        }
        return warnings;
    }

    private void appendHistory(HistoryEntry entry) throws IOException {
        Path file = new Path(layout.indexDir(), IndexLifecycle.HISTORY);
        byte[] old = storage.exists(file) ? storage.read(file) : new byte[0];
        byte[] line = (JSON.writeValueAsString(entry) + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[old.length + line.length];
        System.arraycopy(old, 0, all, 0, old.length);
        System.arraycopy(line, 0, all, old.length, line.length);
        storage.write(file, all);
    }

    /**
     * Marks the version failed: deletes its files but the quarantined rows, and writes _FAILED
     * with {@code record}. Refused (nothing deleted) when LATEST names the version or cannot be read.
     */
    public void fail(Map<String, Object> record) throws IOException {
        Optional<String> current = published(storage, layout);
        if (current.isPresent() && current.get().equals(version)) {
            throw new IllegalStateException("refusing to mark " + version + " failed: LATEST names it");
        }
        for (StorageEntry entry : storage.list(versionDir)) {
            if (!entry.name().equals(BundleLayout.QUARANTINE)) {
                storage.delete(entry.path());
            }
        }
        storage.write(new Path(versionDir, BundleLayout.FAILED),
                JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(record));
    }
}
