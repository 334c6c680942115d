package io.vecforge.jobs.publish;

import io.vecforge.Failure;
import io.vecforge.Versions;
import io.vecforge.bundle.BuildHeartbeat;
import io.vecforge.bundle.BundleLayout;
import io.vecforge.bundle.BundleStorage;
import io.vecforge.bundle.CommitFailedException;
import io.vecforge.bundle.CommitStateUnknownException;
import io.vecforge.bundle.ConcurrentPublishException;
import io.vecforge.bundle.IndexLifecycle;
import io.vecforge.bundle.ProcessOwner;
import io.vecforge.bundle.VersionCommit;
import io.vecforge.jobs.BuildFailedException;
import io.vecforge.jobs.StageClock;
import io.vecforge.jobs.config.BuildConfig;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The version a build writes, from its directory's creation to its publication: the one owner of
 * the build's on-storage state, and the build's side of {@link VersionCommit}. A failure before it
 * is staged leaves only _FAILED (and any quarantined rows); once staged, nothing may delete it or
 * mark it failed: it stays staged, or it is (or may be) the one LATEST names.
 */
public final class VersionDraft implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VersionDraft.class);

    private final BundleStorage storage;
    private final BundleLayout layout;
    private final String version;
    private final Path dir;
    private BuildHeartbeat heartbeat;
    private boolean created;
    private boolean staged;

    private VersionDraft(BundleStorage storage, BundleLayout layout, String version) {
        this.storage = storage;
        this.layout = layout;
        this.version = version;
        this.dir = storage.qualify(layout.versionDir(version));
    }

    /** Opens the output root and names the new version; versions left by killed builds are deleted first. */
    public static VersionDraft open(BuildConfig config, Configuration hadoopConf) {
        Path root = new Path(config.index().outputRoot());
        BundleLayout layout = new BundleLayout(root, config.index().name());
        BundleStorage storage;
        try {
            storage = BundleStorage.forUri(root.toUri(), hadoopConf);
        } catch (IOException e) {
            throw new BuildFailedException("setup", Failure.FAILED,
                    "cannot open output root " + root + ": " + e.getMessage(), e);
        }
        cleanAbandonedVersions(storage, layout);
        return new VersionDraft(storage, layout, Versions.newVersionId(config.build().logicalDate(), Instant.now()));
    }

    public BundleStorage storage() {
        return storage;
    }

    public BundleLayout layout() {
        return layout;
    }

    public String version() {
        return version;
    }

    public Path dir() {
        return dir;
    }

    public Path work(String name) {
        return new Path(new Path(dir, BundleLayout.WORK), name);
    }

    /** Creates the version directory and starts its heartbeat. */
    public void create() throws IOException {
        if (!storage.commitOperations(layout).claimVersion(version, ProcessOwner.current().toJson())) {
            throw new IllegalStateException("version " + version + " exists or another build claimed it: " + dir);
        }
        created = true;
        heartbeat = BuildHeartbeat.start(storage, dir);
    }

    /** Writes the manifest and _SUCCESS: from here the version is complete and is never marked failed. */
    public void stage(byte[] manifestJson) throws IOException {
        new VersionCommit(storage, layout, version).stage(manifestJson);
        staged = true;
        close();
    }

    /** Moves LATEST to the staged version if it still names {@code expectedLatest} ("" for nothing). */
    public void publish(String expectedLatest) throws IOException {
        try {
            new VersionCommit(storage, layout, version).publish(expectedLatest, "build");
        } catch (ConcurrentPublishException e) {
            throw BuildFailedException.of(Failure.CONCURRENT_PUBLISH, e.getMessage());
        } catch (CommitStateUnknownException e) {
            throw BuildFailedException.of(Failure.COMMIT_STATE_UNKNOWN, e.getMessage());
        } catch (CommitFailedException e) {
            throw BuildFailedException.of(Failure.FAILED, e.getMessage()
                    + "; the version stays staged (complete and valid): `vecforge publish` can promote it");
        }
    }

    /**
     * Marks the version failed unless it is staged (or was never created): only _FAILED and the
     * quarantined rows stay. Returns the failure to throw.
     */
    public BuildFailedException failed(BuildFailedException failure) {
        close();
        LOG.error("{}", failure.getMessage());
        if (staged || !created) {
            return failure;
        }
        try {
            new VersionCommit(storage, layout, version).fail(failure.record());
            LOG.warn("version marked failed; nothing was published");
        } catch (IOException | RuntimeException e) {
            LOG.warn("could not mark the version failed (it has no _SUCCESS, so it is never served): {}",
                    e.getMessage());
        }
        return failure;
    }

    /** A build's stages, run against its draft. */
    public interface Stages<T> {
        T run(VersionDraft draft, StageClock clock) throws Exception;
    }

    /**
     * Runs a build's stages: any failure marks the version failed (unless staged), named by the stage the
     * clock was in; the heartbeat stops either way.
     */
    public <T> T runStages(StageClock clock, Stages<T> stages) {
        try {
            return stages.run(this, clock);
        } catch (BuildFailedException e) {
            throw failed("?".equals(e.stage()) ? e.inStage(clock.current()) : e);
        } catch (Exception e) {
            throw failed(new BuildFailedException(clock.current(), Failure.FAILED, BuildFailedException.rootCause(e),
                    e));
        } finally {
            close();
        }
    }

    /** Stops the heartbeat; idempotent. */
    @Override
    public void close() {
        if (heartbeat == null) {
            return;
        }
        try {
            heartbeat.close();
        } catch (IOException e) {
            LOG.warn("could not remove the build heartbeat: {}", e.getMessage());
        }
        heartbeat = null;
    }

    /** Versions whose driver was killed mid-build are deleted by the next build of the index. */
    private static void cleanAbandonedVersions(BundleStorage storage, BundleLayout layout) {
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
