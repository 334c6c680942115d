package io.vecforge.jobs;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.SparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Times the build's stages and logs each start and end; with a SparkContext, also names the running stage in
 * the jobs' local properties, so {@link SparkStageLog} can file each Spark stage under it.
 */
public final class StageClock {
    private static final Logger LOG = LoggerFactory.getLogger(StageClock.class);

    private final Map<String, Long> timings = new LinkedHashMap<>();
    private final SparkContext spark;
    private String current = "setup";
    private long startedAt;

    public StageClock() {
        this(null);
    }

    public StageClock(SparkContext spark) {
        this.spark = spark;
    }

    /**
     * Records the time before the first stage (the process's start: the JVM, the command line, the Spark
     * session) as the stage "startup"; only a command that started its own JVM for this build knows it.
     */
    public void recordStartup(long millis) {
        timings.put("startup", millis);
        LOG.info("stage startup: {} ms from the JVM's start to the build's", millis);
    }

    public void start(String stage) {
        current = stage;
        startedAt = System.nanoTime();
        if (spark != null) {
            spark.setLocalProperty(SparkStageLog.BUILD_STAGE, stage);
        }
        LOG.info("stage {}: started", stage);
    }

    public void stop() {
        long millis = (System.nanoTime() - startedAt) / 1_000_000;
        timings.put(current, millis);
        if (spark != null) {
            spark.setLocalProperty(SparkStageLog.BUILD_STAGE, null);
        }
        LOG.info("stage {}: done in {} ms", current, millis);
    }

    public String current() {
        return current;
    }

    public Map<String, Long> timings() {
        return timings;
    }
}
