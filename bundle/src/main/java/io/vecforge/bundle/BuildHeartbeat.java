package io.vecforge.bundle;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@value #FILE} file of a version being built: names the building process and is rewritten
 * every {@link #INTERVAL}, so the next build or gc can tell a build in progress from one whose
 * driver was killed ({@link IndexLifecycle#cleanAbandoned}). Removed when the build ends.
 */
public final class BuildHeartbeat implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BuildHeartbeat.class);
    public static final String FILE = BundleLayout.HEARTBEAT;
    public static final Duration INTERVAL = Duration.ofSeconds(30);
    /** A heartbeat this old means its build is gone (ten missed beats). */
    public static final Duration STALE = INTERVAL.multipliedBy(10);

    private final BundleStorage storage;
    private final Path file;
    private final ScheduledExecutorService timer;

    private BuildHeartbeat(BundleStorage storage, Path versionDir) {
        this.storage = storage;
        this.file = new Path(versionDir, FILE);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "vecforge-heartbeat");
            thread.setDaemon(true);
            return thread;
        });
    }

    public static BuildHeartbeat start(BundleStorage storage, Path versionDir) throws IOException {
        BuildHeartbeat heartbeat = new BuildHeartbeat(storage, versionDir);
        heartbeat.beat();
        heartbeat.timer.scheduleWithFixedDelay(heartbeat::beatQuietly, INTERVAL.toMillis(), INTERVAL.toMillis(),
                TimeUnit.MILLISECONDS);
        return heartbeat;
    }

    private void beat() throws IOException {
        storage.write(file, ProcessOwner.current().toJson());
    }

    private void beatQuietly() {
        try {
            beat();
        } catch (IOException | RuntimeException e) {
            LOG.warn("could not write build heartbeat {}: {}", file, e.getMessage());
        }
    }

    /** Stops beating and removes the file. */
    @Override
    public void close() throws IOException {
        if (timer.isShutdown()) {
            return;
        }
        timer.shutdownNow();
        try {
            timer.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        storage.delete(file);
    }
}
