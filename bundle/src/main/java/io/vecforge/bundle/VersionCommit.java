package io.vecforge.bundle;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vecforge.FailPoint;
import io.vecforge.RefusedException;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The commit protocol of one version of an index: the only code that writes _SUCCESS, moves LATEST
 * (through the storage's {@link CommitOperations}, which owns the atomicity) or writes _FAILED.
 * <pre>
 *  BUILDING ──stage()──▶ STAGED ──publish()──▶ commit(base, version): CAS LATEST ─▶ PUBLISHED ─▶ HISTORY
 *  (files,               (manifest.json,        │          │            │
 *   _building)            then _SUCCESS =       │          │            └ errors from here on are warnings:
 *      │                  its SHA-256)          │          │              the commit has happened
 *      │                      │                 │          └ pointer write failed and re-reading LATEST
 *      │                      │                 │            cannot tell ─▶ CommitStateUnknownException
 *      │                      │                 │            (keep every file, mark nothing failed)
 *      │                      │                 └ locked / LATEST moved / not complete ─▶
 *      │                      │                   CommitFailedException (version stays STAGED)
 *      └──fail()──▶ FAILED (_FAILED with why; files deleted, quarantine kept) — refused once LATEST
 *                   names the version
 * </pre>
 */
public final class VersionCommit {
    private static final Logger LOG = LoggerFactory.getLogger(VersionCommit.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The action of a rollback: the one move that may take LATEST to a delta version over another base. */
    public static final String ROLLBACK = "rollback";

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
        return storage.commitOperations(layout).current().map(value -> VersionName.fromPointer(value, layout.latest()));
    }

    /** Writes the manifest, then the _SUCCESS that vouches for it: from here the version is complete. */
    public void stage(byte[] manifestJson) throws IOException {
        storage.write(new Path(versionDir, Manifest.FILE_NAME), manifestJson);
        FailPoint.reach(FailPoint.BEFORE_SUCCESS);
        storage.write(new Path(versionDir, BundleLayout.SUCCESS), Completion.marker(manifestJson));
    }

    /**
     * Points LATEST at this complete version through the storage's {@link CommitOperations}.
     *
     * @param expectedCurrent if not null, publish only while LATEST still names this version (""
     *     for nothing): how a build makes sure no other build published meanwhile. If null, the
     *     version LATEST names when the commit starts is the base.
     * @throws CommitFailedException LATEST was not moved
     * @throws CommitStateUnknownException LATEST may or may not name the version
     */
    public Outcome publish(String expectedCurrent, String action) throws IOException {
        BundleReader reader = new BundleReader(storage, versionDir);
        if (!reader.isComplete()) {
            throw new CommitFailedException("version " + version + " of " + layout.indexDir()
                    + " is not complete: no _SUCCESS vouching for its manifest.json");
        }
        String current = published(storage, layout).orElse(null);
        String base = expectedCurrent != null ? (expectedCurrent.isEmpty() ? null : expectedCurrent) : current;
        if (version.equals(base) && version.equals(current)) {
            // a rerun of the same publish (an Airflow task cleared and run again): nothing moves, nothing is recorded
            LOG.info("LATEST of {} already names {} ({}): nothing to do", layout.indexDir(), version, action);
            return new Outcome(base, version, List.of());
        }
        if (!ROLLBACK.equals(action)) {
            requireDeltaBase(reader.manifest(), base, current);
        }
        HistoryEntry entry = new HistoryEntry(Instant.now().toString(), action, base, version,
                System.getProperty("user.name", "unknown"), ProcessOwner.localHost());
        List<String> warnings;
        try {
            warnings = storage.commitOperations(layout).commit(base, version, entry);
        } catch (ConcurrentPublishException e) {
            throw new ConcurrentPublishException(e.getMessage() + (expectedCurrent != null
                    ? " (this build started from " + (base == null ? "nothing published" : base) + ")" : ""));
        }
        LOG.info("LATEST of {}: {} -> {} ({})", layout.indexDir(), base, version, action);
        return new Outcome(base, version, warnings);
    }

    /**
     * A delta version holds its base's rows with the delta applied, so it moves LATEST forward only from
     * that base: over any other version it would drop what that version changed. The commit then swaps
     * LATEST only while it still names the base. A rollback may return to a delta version.
     */
    private void requireDeltaBase(Manifest manifest, String base, String current) {
        Manifest.Delta delta = manifest.delta();
        if (delta == null || delta.base().equals(base)) {
            return;
        }
        throw new CommitFailedException("version " + version + " is a delta on " + delta.base() + ": it publishes"
                + " only over that version, and LATEST of " + layout.indexDir() + " names "
                + (current == null ? "nothing" : current) + (base == null || base.equals(current) ? "" : " (this"
                + " publish expected " + base + ")") + "; publishing it would drop what " + (current == null
                ? "was unpublished" : current) + " changed: apply the delta again (vecforge build --mode delta)");
    }

    /**
     * Marks the version failed: deletes its files but the quarantined rows, and writes _FAILED
     * with {@code record}. Refused (nothing deleted) when LATEST names the version or cannot be read.
     */
    public void fail(Map<String, Object> record) throws IOException {
        Optional<String> current = published(storage, layout);
        if (current.isPresent() && current.get().equals(version)) {
            throw new RefusedException("refusing to mark " + version + " failed: LATEST names it");
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
