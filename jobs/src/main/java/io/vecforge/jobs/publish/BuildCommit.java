package io.vecforge.jobs.publish;
import io.vecforge.jobs.BuildFailedException;

import io.vecforge.Failure;
import io.vecforge.bundle.BundleLayout;
import io.vecforge.bundle.BundleStorage;
import io.vecforge.bundle.CommitFailedException;
import io.vecforge.bundle.CommitStateUnknownException;
import io.vecforge.bundle.ConcurrentPublishException;
import io.vecforge.bundle.IndexLifecycle;
import io.vecforge.bundle.VersionCommit;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The build's side of {@link VersionCommit}: commit outcomes as build failures, and failed versions. */
public final class BuildCommit {
    private static final Logger LOG = LoggerFactory.getLogger(BuildCommit.class);

    private BuildCommit() {}

    /**
     * Moves LATEST to the staged version. Whatever happens here, the version is complete and is
     * never marked failed: it stays staged, or it is (or may be) the one LATEST names.
     */
    public static void publish(VersionCommit commit, String expectedCurrent) throws IOException {
        try {
            commit.publish(expectedCurrent, "build");
        } catch (ConcurrentPublishException e) {
            throw BuildFailedException.of(Failure.CONCURRENT_PUBLISH, e.getMessage());
        } catch (CommitStateUnknownException e) {
            throw BuildFailedException.of(Failure.COMMIT_STATE_UNKNOWN, e.getMessage());
        } catch (CommitFailedException e) {
            throw BuildFailedException.of(Failure.FAILED, e.getMessage()
                    + "; the version stays staged (complete and valid): `vecforge publish` can promote it");
        }
    }

    /** Leaves a failed version that can never look complete: only _FAILED and the quarantined rows stay. */
    public static void markFailed(VersionCommit commit, BuildFailedException failure) {
        try {
            commit.fail(failure.record());
            LOG.warn("version marked failed; nothing was published");
        } catch (IOException | RuntimeException e) {
            LOG.warn("could not mark the version failed (it has no _SUCCESS, so it is never served): {}",
                    e.getMessage());
        }
    }

    /** Versions whose driver was killed mid-build are deleted by the next build of the index. */
    public static void cleanAbandonedVersions(BundleStorage storage, BundleLayout layout) {
        try {
            List<String> deleted = new IndexLifecycle(storage, layout).cleanAbandoned(Instant.now());
            if (!deleted.isEmpty()) {
                LOG.warn("deleted {} version(s) left incomplete by killed builds: {}", deleted.size(), deleted);
            }
        } catch (IOException e) {
            LOG.warn("could not look for versions left by killed builds in {}: {}", layout.indexDir(), e.getMessage());
        }
    }
}
