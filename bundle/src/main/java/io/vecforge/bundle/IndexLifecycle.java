package io.vecforge.bundle;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vecforge.RefusedException;
import io.vecforge.UsageException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The versions of one index and the moves of its LATEST pointer: publish, rollback, pin, gc.
 * Every move of LATEST goes through {@link VersionCommit} (lock, completeness, compare-and-swap,
 * HISTORY.jsonl). Every version name is a {@link VersionName}: nothing outside the index is touched.
 */
public final class IndexLifecycle {
    private static final Logger LOG = LoggerFactory.getLogger(IndexLifecycle.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final BundleStorage storage;
    private final BundleLayout layout;

    public IndexLifecycle(BundleStorage storage, BundleLayout layout) {
        this.storage = storage;
        this.layout = layout;
    }

    /** The version LATEST names, checked to be a plain version of this index (a pointer elsewhere is refused). */
    public Optional<String> published() throws IOException {
        return VersionCommit.published(storage, layout);
    }

    /** Whether the version's _SUCCESS vouches for its manifest.json ({@link BundleReader#isComplete}). */
    public boolean isComplete(String version) throws IOException {
        return new BundleReader(storage, layout.versionDir(version)).isComplete();
    }

    /** Points LATEST at a complete version; see {@link VersionCommit#publish} for the outcomes. */
    public VersionCommit.Outcome publish(String version, String expectedCurrent, String action) throws IOException {
        return new VersionCommit(storage, layout, version).publish(expectedCurrent, action);
    }

    /**
     * The logical date whose data a version holds, for publish --if-newer: a full build's own; a delta
     * version's is its chain's full build's, so the next full rebuild replaces a chain of deltas on an
     * older one. A version whose manifest cannot be read is taken at its name's date.
     */
    public java.time.LocalDate dataDate(String version) throws IOException {
        BundleReader reader = new BundleReader(storage, layout.versionDir(version));
        Manifest.Delta delta = reader.hasManifest() ? reader.manifest().delta() : null;
        return VersionName.logicalDate(delta == null ? version : delta.fullBuild());
    }

    /** Moves LATEST back to the version published before the current one, or to {@code target}. */
    public String rollback(String target) throws IOException {
        String current = published().orElseThrow(() -> new RefusedException(
                "nothing is published in " + layout.indexDir()));
        String to = target != null ? VersionName.check(target) : previous(current).orElseThrow(() -> new RefusedException(
                "no earlier complete version to roll back to from " + current + " (see HISTORY.jsonl)"));
        if (to.equals(current)) {
            throw new UsageException(to + " is already published");
        }
        publish(to, current, VersionCommit.ROLLBACK);
        return to;
    }

    /** The version that was published before {@code current} (ignoring rollbacks), if still complete. */
    public Optional<String> previous(String current) throws IOException {
        List<HistoryEntry> history = history();
        for (int i = history.size() - 1; i >= 0; i--) {
            HistoryEntry entry = history.get(i);
            if (!VersionCommit.ROLLBACK.equals(entry.action()) && current.equals(entry.to()) && entry.from() != null
                    && !entry.from().equals(entry.to()) // a repeated publish, recorded by vecforge before 2026-12-02
                    && VersionName.isValid(entry.from()) && isComplete(entry.from())) {
                return Optional.of(entry.from());
            }
        }
        return Optional.empty();
    }

    public List<HistoryEntry> history() throws IOException {
        Path file = layout.history();
        List<HistoryEntry> entries = new ArrayList<>();
        if (!storage.exists(file)) {
            return entries;
        }
        for (String line : new String(storage.read(file), StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank()) {
                entries.add(JSON.readValue(line, HistoryEntry.class));
            }
        }
        return entries;
    }

    public void pin(String version) throws IOException {
        if (!storage.exists(layout.versionDir(version))) {
            throw new UsageException("no version " + version + " in " + layout.indexDir());
        }
        storage.write(layout.pin(version), new byte[0]);
    }

    public void unpin(String version) throws IOException {
        storage.delete(layout.pin(version));
    }

    public Set<String> pins() throws IOException {
        Set<String> pins = new HashSet<>();
        for (StorageEntry pin : storage.list(layout.pinsDir())) {
            if (VersionName.isValid(pin.name())) {
                pins.add(pin.name());
            }
        }
        return pins;
    }

    /** Every version directory, newest first (version ids sort by time). */
    public List<VersionInfo> list() throws IOException {
        String current = published().orElse(null);
        String previous = current == null ? null : previous(current).orElse(null);
        Set<String> pins = pins();
        List<VersionInfo> versions = new ArrayList<>();
        for (StorageEntry entry : storage.list(layout.indexDir())) {
            String name = entry.name();
            if (!entry.isDirectory() || !VersionName.isValid(name)) {
                continue; // _pins, _runs, and anything that is not a version: never listed, never collected
            }
            versions.add(describe(name, current, previous, pins.contains(name), entry.modifiedMillis()));
        }
        versions.sort(Comparator.comparing(VersionInfo::version).reversed());
        return versions;
    }

    /**
     * Deletes versions beyond the {@code keep} newest complete ones, and failed or incomplete ones,
     * but never the published version, the rollback target, a pinned one, or one modified within
     * {@code grace}. Returns the versions deleted.
     */
    public List<String> gc(int keep, Duration grace, Instant now) throws IOException {
        List<String> deleted = new ArrayList<>(cleanAbandoned(now));
        int completeKept = 0;
        for (VersionInfo info : list()) {
            boolean protectedVersion = info.state() == VersionState.PUBLISHED || info.state() == VersionState.PREVIOUS
                    || info.pinned() || now.toEpochMilli() - info.modifiedMillis() < grace.toMillis();
            boolean complete = info.state() == VersionState.STAGED || info.state() == VersionState.PUBLISHED
                    || info.state() == VersionState.PREVIOUS;
            if (complete && completeKept < keep) {
                completeKept++;
                continue;
            }
            if (protectedVersion) {
                continue;
            }
            storage.delete(layout.versionDir(info.version()));
            deleted.add(info.version());
            LOG.info("gc: deleted {} version {}", info.state().label(), info.version());
        }
        return deleted;
    }

    /**
     * Deletes the versions whose build was killed: incomplete, not failed, and their
     * {@link BuildHeartbeat} names a process that is gone from this host or has not beaten for
     * {@link BuildHeartbeat#STALE}. Also removes a heartbeat file left in a complete version.
     * Builds in progress keep beating and are never touched.
     */
    public List<String> cleanAbandoned(Instant now) throws IOException {
        List<String> deleted = new ArrayList<>();
        for (StorageEntry entry : storage.list(layout.indexDir())) {
            String version = entry.name();
            Path heartbeat = new Path(entry.path(), BuildHeartbeat.FILE);
            if (!entry.isDirectory() || !VersionName.isValid(version) || !storage.exists(heartbeat)) {
                continue;
            }
            ProcessOwner owner;
            long age;
            try {
                owner = ProcessOwner.parse(storage.read(heartbeat));
                age = now.toEpochMilli() - storage.modificationTime(heartbeat);
            } catch (java.io.FileNotFoundException finishedMeanwhile) {
                continue;
            }
            boolean gone = (owner != null && owner.isDeadOnThisHost()) || age > BuildHeartbeat.STALE.toMillis();
            if (!gone) {
                continue;
            }
            if (isComplete(version)) {
                storage.delete(heartbeat);
            } else if (!storage.exists(new Path(entry.path(), BundleLayout.FAILED))) {
                storage.delete(entry.path());
                deleted.add(version);
                LOG.warn("deleted version {}: its build ({}) was killed before it completed", version,
                        owner != null ? owner : "unknown owner");
            }
        }
        return deleted;
    }

    private VersionInfo describe(String version, String current, String previous, boolean pinned, long modified)
            throws IOException {
        Path dir = layout.versionDir(version);
        VersionState state;
        if (version.equals(current)) {
            state = VersionState.PUBLISHED;
        } else if (version.equals(previous)) {
            state = VersionState.PREVIOUS;
        } else if (isComplete(version)) {
            state = VersionState.STAGED;
        } else if (storage.exists(new Path(dir, BundleLayout.FAILED))) {
            state = VersionState.FAILED;
        } else {
            state = VersionState.INCOMPLETE;
        }
        Path manifestFile = new Path(dir, Manifest.FILE_NAME);
        if (!storage.exists(manifestFile)) {
            return new VersionInfo(version, state, pinned, null, null, null, null, modified);
        }
        Manifest manifest = Manifest.fromJson(storage.read(manifestFile));
        long bytes = manifest.shards().stream().mapToLong(s -> s.bytes()).sum()
                + manifest.files().stream().mapToLong(f -> f.bytes()).sum();
        return new VersionInfo(version, state, pinned, manifest.source().acceptedRows(), bytes,
                manifest.validation().recall(),
                manifest.createdAt(), modified);
    }
}
