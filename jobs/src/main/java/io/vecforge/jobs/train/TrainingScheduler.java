package io.vecforge.jobs.train;

import io.vecforge.Failure;
import io.vecforge.faiss.GpuLibrary;
import io.vecforge.jobs.BuildFailedException;
import io.vecforge.jobs.config.BuildConfig;
import io.vecforge.jobs.config.TrainerChoice;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkJobInfo;
import org.apache.spark.SparkStageInfo;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.resource.ExecutorResourceRequests;
import org.apache.spark.resource.ResourceProfile;
import org.apache.spark.resource.ResourceProfileBuilder;
import org.apache.spark.resource.TaskResourceRequests;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the one training task, on a GPU executor when train.trainer asks for one and the cluster can
 * give it: the training stage alone gets a ResourceProfile that requires one GPU (stage-level
 * scheduling); every other stage keeps the default profile.
 */
public final class TrainingScheduler {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingScheduler.class);

    /** The profile for the training stage (null: the default one) and why. */
    record Placement(ResourceProfile profile, String reason) {}

    private final JavaSparkContext jsc;
    private final BuildConfig config;

    TrainingScheduler(JavaSparkContext jsc, BuildConfig config) {
        this.jsc = jsc;
        this.config = config;
    }

    static Placement place(SparkContext sc, BuildConfig config, int cores) {
        String gpu = config.train().gpuResource();
        if (config.train().trainer() == TrainerChoice.CPU) {
            return new Placement(null, "train.trainer=cpu");
        }
        if (sc.isLocal()) {
            return new Placement(null, "Spark local mode schedules no '" + gpu + "' resources");
        }
        SparkConf conf = sc.getConf();
        TaskResourceRequests task = new TaskResourceRequests().cpus(cores).resource(gpu, 1.0);
        if (conf.getBoolean("spark.dynamicAllocation.enabled", false)) {
            String script = config.train().gpuDiscoveryScript().isEmpty()
                    ? conf.get("spark.executor.resource." + gpu + ".discoveryScript", "")
                    : config.train().gpuDiscoveryScript();
            ExecutorResourceRequests executor = new ExecutorResourceRequests().cores(cores)
                    .resource(gpu, 1, script, "");
            return new Placement(new ResourceProfileBuilder().require(executor).require(task).build(),
                    "dynamic allocation starts an executor with one '" + gpu + "' for the training stage");
        }
        if (conf.getDouble("spark.executor.resource." + gpu + ".amount", 0) >= 1) {
            return new Placement(new ResourceProfileBuilder().require(task).build(),
                    "executors carry '" + gpu + "' resources: the training task asks for one");
        }
        return new Placement(null, "the application offers no '" + gpu + "' resource (spark.dynamicAllocation.enabled"
                + " is false and spark.executor.resource." + gpu + ".amount is unset)");
    }

    /**
     * train.trainer=gpu on an application that can never give the training task a GPU fails at once. In
     * local mode the task runs in this JVM and may use this machine's GPU, so the probe decides.
     */
    public static void requireGpuIfDemanded(SparkContext sc, BuildConfig config) {
        if (config.train().trainer() != TrainerChoice.GPU) {
            return;
        }
        Placement placement = place(sc, config, 1);
        if (sc.isLocal()) {
            GpuLibrary.Probe probe = GpuLibrary.probe();
            if (!probe.available()) {
                throw BuildFailedException.of(Failure.CONFIG, "train.trainer=gpu, but " + placement.reason()
                        + " and this machine has no usable GPU: " + probe.reason());
            }
        } else if (placement.profile() == null) {
            throw BuildFailedException.of(Failure.CONFIG, "train.trainer=gpu, but " + placement.reason());
        }
    }

    /** train.threads, else the executor's cores; 0 lets the task use every core of its machine. */
    static int threads(SparkContext sc, BuildConfig.Train train) {
        if (train.threads() > 0) {
            return train.threads();
        }
        int executorCores = sc.getConf().getInt("spark.executor.cores", 0);
        if (executorCores > 0) {
            return executorCores;
        }
        return sc.isLocal() ? sc.defaultParallelism() : 0;
    }

    TrainTask.Result run(TrainTask task, int cores) throws Exception {
        Placement placement = place(jsc.sc(), config, cores);
        TrainerChoice choice = config.train().trainer();
        if (jsc.sc().isLocal()) {
            return runOn(null, task).get().get(0); // the task itself probes this machine's GPU
        }
        if (placement.profile() == null) {
            if (choice == TrainerChoice.GPU) {
                throw BuildFailedException.of(Failure.CONFIG, "train.trainer=gpu, but " + placement.reason());
            }
            if (choice == TrainerChoice.AUTO) {
                LOG.info("training on the CPU: {}", placement.reason());
            }
            return withNote(runOn(null, task).get(), choice == TrainerChoice.AUTO ? placement.reason() : null);
        }
        LOG.info("training stage asks for one '{}': {}", config.train().gpuResource(), placement.reason());
        JavaFutureAction<List<TrainTask.Result>> onGpu = runOn(placement.profile(), task);
        if (awaitStart(onGpu, config.train().gpuWaitSeconds())) {
            return onGpu.get().get(0);
        }
        onGpu.cancel(true);
        String why = "no executor with a '" + config.train().gpuResource() + "' started within train.gpu.wait-seconds="
                + config.train().gpuWaitSeconds();
        if (choice == TrainerChoice.GPU) {
            throw BuildFailedException.of(Failure.FAILED, "train.trainer=gpu, but " + why);
        }
        LOG.warn("training on the CPU: {}", why);
        return withNote(runOn(null, task).get(), why);
    }

    private JavaFutureAction<List<TrainTask.Result>> runOn(ResourceProfile profile, TrainTask task) {
        JavaRDD<Integer> one = jsc.parallelize(List.of(0), 1);
        if (profile != null) {
            one = one.withResources(profile);
        }
        jsc.setJobDescription("vecforge: train " + task.factory());
        try {
            return one.map(ignored -> task.run()).collectAsync();
        } finally {
            jsc.setJobDescription(null); // the description is a thread-local that later jobs would inherit
        }
    }

    private static TrainTask.Result withNote(List<TrainTask.Result> results, String driverNote) {
        TrainTask.Result result = results.get(0);
        if (driverNote == null) {
            return result;
        }
        // The driver knows why no GPU was offered; the task only sees that none was.
        TrainingDevice device = result.device().fallBack(driverNote, result.threads());
        return new TrainTask.Result(result.digest(), result.millis(), result.threads(), device, result.executor(),
                result.gpus(), result.fit(), result.components(), result.dispatch(), result.phases(), result.factory(), result.trial());
    }

    /** True once the training task has started (or the job ended); false if it has not within the wait. */
    private boolean awaitStart(JavaFutureAction<?> job, long waitSeconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(waitSeconds);
        while (System.nanoTime() < deadline) {
            if (job.isDone() || started(job)) {
                return true;
            }
            try {
                job.get(1, TimeUnit.SECONDS);
                return true;
            } catch (TimeoutException stillWaiting) {
                // poll again
            } catch (ExecutionException failed) {
                return true; // get() reports the failure
            }
        }
        return false;
    }

    private boolean started(JavaFutureAction<?> job) {
        for (Integer jobId : job.jobIds()) {
            SparkJobInfo info = jsc.statusTracker().getJobInfo(jobId);
            if (info == null) {
                continue;
            }
            for (int stageId : info.stageIds()) {
                SparkStageInfo stage = jsc.statusTracker().getStageInfo(stageId);
                if (stage != null && stage.numActiveTasks() + stage.numCompletedTasks() + stage.numFailedTasks() > 0) {
                    return true;
                }
            }
        }
        return false;
    }
}
