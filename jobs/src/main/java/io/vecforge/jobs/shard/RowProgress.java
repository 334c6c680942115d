package io.vecforge.jobs.shard;

import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Logs a shard task's progress at most every {@link #INTERVAL_NANOS}: rows done of about how many, and the rate. */
public final class RowProgress {
    private static final Logger LOG = LoggerFactory.getLogger(RowProgress.class);
    private static final long INTERVAL_NANOS = 10_000_000_000L;

    private final String what;
    private final long expected;
    private final long start = System.nanoTime();
    private long nextLog = start + INTERVAL_NANOS;
    private long rows;

    RowProgress(String what, long expected) {
        this.what = what;
        this.expected = expected;
    }

    void add() {
        rows++;
        if ((rows & 1023) == 0) {
            long now = System.nanoTime();
            if (now >= nextLog) {
                nextLog = now + INTERVAL_NANOS;
                log(now, "");
            }
        }
    }

    void done() {
        log(System.nanoTime(), " (done)");
    }

    private void log(long now, String suffix) {
        double seconds = Math.max(1e-9, (now - start) / 1e9);
        LOG.info(String.format(Locale.ROOT, "%s: %,d of ~%,d rows (%.0f%%), %,.0f rows/s%s", what, rows, expected,
                expected == 0 ? 100.0 : 100.0 * rows / expected, rows / seconds, suffix));
    }
}
