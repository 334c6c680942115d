package io.vecforge.bundle;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vecforge.FailPoint;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The commit on a Hadoop file system (local disks, HDFS): under the index's {@link PublishLock}
 * (exclusive create), LATEST is compared with the base and replaced by rename, and HISTORY.jsonl is
 * rewritten by rename. Both are atomic on these file systems; nothing else writes those files.
 */
final class HadoopCommitOperations implements CommitOperations {
    private static final Logger LOG = LoggerFactory.getLogger(HadoopCommitOperations.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HadoopBundleStorage storage;
    private final BundleLayout layout;

    HadoopCommitOperations(HadoopBundleStorage storage, BundleLayout layout) {
        this.storage = storage;
        this.layout = layout;
    }

    @Override
    public Optional<String> current() throws IOException {
        return storage.readPointer(layout.latest());
    }

    @Override
    public boolean claimVersion(String version, byte[] owner) throws IOException {
        Path dir = layout.versionDir(version);
        if (storage.exists(dir)) {
            return false;
        }
        storage.mkdirs(dir);
        return storage.createExclusive(new Path(dir, BundleLayout.HEARTBEAT), owner);
    }

    @Override
    public List<String> commit(String base, String next, HistoryEntry entry) throws IOException {
        try (PublishLock lock = PublishLock.acquire(storage, layout)) {
            String now = current().orElse(null);
            if (!Objects.equals(now, base)) {
                throw new ConcurrentPublishException("LATEST of " + layout.indexDir() + " moved to " + now
                        + " (expected " + (base == null ? "nothing" : base) + "); version " + next
                        + " stays staged");
            }
            FailPoint.reach(FailPoint.PUBLISH_LOCKED);
            lock.requireHeld();
            writePointer(base, next);
            return appendHistory(entry);
        }
    }

    /** The pointer write; on an error, LATEST is read back to tell a failed move from one that happened. */
    private void writePointer(String base, String next) throws IOException {
        try {
            FailPoint.reach(FailPoint.POINTER_WRITE);
            storage.write(layout.latest(), (next + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            Optional<String> now;
            try {
                now = current();
            } catch (IOException | RuntimeException unreadable) {
                e.addSuppressed(unreadable);
                throw new CommitStateUnknownException("writing LATEST of " + layout.indexDir() + " failed ("
                        + e.getMessage() + ") and it cannot be read back: it may or may not name " + next
                        + "; nothing was deleted. Check with `vecforge list`.", e);
            }
            if (now.isPresent() && now.get().equals(next)) {
                LOG.warn("writing LATEST reported an error ({}), but it names {}: committed", e.getMessage(), next);
                return;
            }
            if (Objects.equals(now.orElse(null), base)) {
                throw new CommitFailedException("could not move LATEST of " + layout.indexDir() + " to " + next
                        + ": " + e.getMessage() + "; it still names " + base, e);
            }
            throw new CommitStateUnknownException("writing LATEST of " + layout.indexDir() + " failed ("
                    + e.getMessage() + ") and it now names " + now.orElse("nothing") + "; nothing was deleted", e);
        }
    }

    /** The commit has happened: nothing from here may fail it, so errors become warnings. */
    private List<String> appendHistory(HistoryEntry entry) {
        List<String> warnings = new ArrayList<>();
        try {
            FailPoint.reach(FailPoint.AFTER_POINTER);
            Path file = layout.history();
            byte[] old = storage.exists(file) ? storage.read(file) : new byte[0];
            byte[] line = (JSON.writeValueAsString(entry) + "\n").getBytes(StandardCharsets.UTF_8);
            byte[] all = new byte[old.length + line.length];
            System.arraycopy(old, 0, all, 0, old.length);
            System.arraycopy(line, 0, all, old.length, line.length);
            storage.write(file, all);
        } catch (IOException | RuntimeException e) {
            String warning = "LATEST names " + entry.to() + ", but HISTORY.jsonl was not appended: " + e.getMessage();
            LOG.warn("{}", warning);
            warnings.add(warning);
        }
        return warnings;
    }
}
