package io.vecforge.bundle;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * The commit seam of an index (modelled on Iceberg's TableOperations.commit(base, metadata)): the
 * only way LATEST moves. Each implementation owns its atomicity — the Hadoop one with exclusive
 * create and rename under a lock ({@link HadoopCommitOperations}), an object store with conditional
 * writes — so the protocol above it ({@link VersionCommit}) never changes with the store.
 */
public interface CommitOperations {
    /** LATEST's raw content, if any: check it with {@link VersionName#fromPointer}. */
    Optional<String> current() throws IOException;

    /**
     * Claims a new version's name for one build, writing {@code owner} as its first heartbeat: false
     * if the version exists or another build claimed it first (exclusive create decides).
     */
    boolean claimVersion(String version, byte[] owner) throws IOException;

    /**
     * Atomically points LATEST at {@code next} if it still names {@code base} (null: nothing), then
     * appends {@code entry} to HISTORY.jsonl.
     *
     * @return warnings: errors after LATEST moved (the commit happened; HISTORY may lack the entry)
     * @throws ConcurrentPublishException LATEST no longer names {@code base}, or another commit holds it
     * @throws CommitFailedException LATEST was not moved
     * @throws CommitStateUnknownException LATEST may or may not name {@code next}
     */
    List<String> commit(String base, String next, HistoryEntry entry) throws IOException;
}
