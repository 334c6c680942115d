package io.vecforge.jobs;

import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Times the build's stages and logs each start and end. */
public final class StageClock {
    private static final Logger LOG = LoggerFactory.getLogger(StageClock.class);

    private final Map<String, Long> timings = new LinkedHashMap<>();
    private String current = "setup";
    private long startedAt;

    public void start(String stage) {
        current = stage;
        startedAt = System.nanoTime();
        LOG.info("stage {}: started", stage);
    }

    public void stop() {
        long millis = (System.nanoTime() - startedAt) / 1_000_000;
        timings.put(current, millis);
        LOG.info("stage {}: done in {} ms", current, millis);
    }

    public String current() {
        return current;
    }

    public Map<String, Long> timings() {
        return timings;
    }
}
