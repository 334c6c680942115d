package io.vecforge.jobs.train;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs "still running" lines for work that reports no progress of its own (Faiss training runs
 * for minutes inside one native call), so a log reader can tell slow from stuck.
 */
public final class ElapsedLog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ElapsedLog.class);

    private final ScheduledExecutorService timer;

    private ElapsedLog(ScheduledExecutorService timer) {
        this.timer = timer;
    }

    static ElapsedLog every(long seconds, String what) {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "vecforge-elapsed");
            thread.setDaemon(true);
            return thread;
        });
        long start = System.nanoTime();
        timer.scheduleAtFixedRate(() -> LOG.info("{}: still running, {} s elapsed", what,
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)), seconds, seconds, TimeUnit.SECONDS);
        return new ElapsedLog(timer);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
