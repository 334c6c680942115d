package io.vecforge.jobs;

import io.vecforge.bundle.Manifest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SparkContext;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.StageInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records every Spark stage a build runs, under the build stage that ran it ({@link StageClock} names it in
 * the job's local properties): wall time, task time, shuffle bytes and spills. Where a build stage's time
 * goes inside Spark (a shuffle's map side, a sort that spills) shows in the manifest's runtime.sparkStages.
 */
public final class SparkStageLog extends SparkListener implements AutoCloseable {
    /** The local property that carries the build stage into Spark's job and stage events. */
    public static final String BUILD_STAGE = "vecforge.stage";
    private static final Logger LOG = LoggerFactory.getLogger(SparkStageLog.class);
    private static final long DRAIN_MILLIS = 5_000;

    private final SparkContext spark;
    private final Map<Integer, String> buildStages = new ConcurrentHashMap<>();
    private final Map<Integer, long[]> taskSums = new ConcurrentHashMap<>();
    private final List<Manifest.SparkStage> completed = new ArrayList<>();

    private SparkStageLog(SparkContext spark) {
        this.spark = spark;
    }

    /** Starts listening; {@link #close()} stops. */
    public static SparkStageLog listen(SparkContext spark) {
        SparkStageLog log = new SparkStageLog(spark);
        spark.addSparkListener(log);
        return log;
    }

    @Override
    public void onStageSubmitted(SparkListenerStageSubmitted submitted) {
        Properties properties = submitted.properties();
        String stage = properties == null ? null : properties.getProperty(BUILD_STAGE);
        buildStages.put(submitted.stageInfo().stageId(), stage == null ? "?" : stage);
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
        TaskMetrics metrics = end.taskMetrics();
        if (metrics == null) {
            return;
        }
        long[] sums = taskSums.computeIfAbsent(end.stageId(), id -> new long[6]);
        synchronized (sums) {
            sums[0] += metrics.executorRunTime();
            sums[1] += metrics.jvmGCTime();
            sums[2] += metrics.shuffleWriteMetrics().bytesWritten();
            sums[3] += metrics.shuffleReadMetrics().totalBytesRead();
            sums[4] += metrics.memoryBytesSpilled();
            sums[5] += metrics.diskBytesSpilled();
        }
    }

    @Override
    public void onStageCompleted(SparkListenerStageCompleted stageCompleted) {
        StageInfo info = stageCompleted.stageInfo();
        long millis = info.submissionTime().isDefined() && info.completionTime().isDefined()
                ? (Long) info.completionTime().get() - (Long) info.submissionTime().get() : 0;
        long[] sums = taskSums.getOrDefault(info.stageId(), new long[6]);
        String name = info.name();
        Manifest.SparkStage stage;
        synchronized (sums) {
            stage = new Manifest.SparkStage(buildStages.getOrDefault(info.stageId(), "?"), name, millis,
                    info.numTasks(), sums[0], sums[1], sums[2], sums[3], sums[4], sums[5]);
        }
        synchronized (completed) {
            completed.add(stage);
        }
    }

    /** The stages completed so far, in completion order, after Spark has delivered the events it holds. */
    public List<Manifest.SparkStage> stages() {
        try {
            spark.listenerBus().waitUntilEmpty(DRAIN_MILLIS);
        } catch (Exception e) { // a slow bus costs the last stages' figures, never the build
            LOG.debug("Spark's listener bus did not drain in {} ms: {}", DRAIN_MILLIS, e.toString());
        }
        synchronized (completed) {
            return List.copyOf(completed);
        }
    }

    @Override
    public void close() {
        spark.removeSparkListener(this);
    }
}
