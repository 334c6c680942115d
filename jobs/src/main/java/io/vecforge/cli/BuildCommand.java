package io.vecforge.cli;

import io.vecforge.Failure;
import io.vecforge.jobs.BuildFailedException;
import io.vecforge.jobs.BuildJob;
import io.vecforge.jobs.BuildResult;
import io.vecforge.jobs.config.BuildConfig;
import io.vecforge.jobs.delta.DeltaBuildJob;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "build", description = {"Builds, validates and publishes a new version of an index.",
            "Runs on embedded Spark (local[*]) unless --master is given or it runs under spark-submit."},
        exitCodeListHeading = "%nExit codes (on any but 0, 28 and 29 nothing is published and LATEST is unchanged):%n")
final class BuildCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = {"-c", "--config"}, description = "Index config (properties; see conf/example-index.properties).")
    Path config;

    @Option(names = "--input", description = "Overrides input.path.")
    String input;

    @Option(names = "--output", description = "Overrides output.root.")
    String output;

    @Option(names = "--index", description = "Overrides index.name.")
    String index;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Overrides any config key; repeatable.")
    Map<String, String> overrides = new LinkedHashMap<>();

    @Option(names = "--mode", paramLabel = "full|delta", description = "Overrides build.mode: delta applies the input's"
            + " upserts and deletes (delta.op-column) to the base version (docs/build.md#delta-builds).")
    String mode;

    @Option(names = "--base", paramLabel = "VERSION", description = "Overrides delta.base: the version a delta build"
            + " applies its changes to (default: the published one).")
    String base;

    @Option(names = "--master", description = "Spark master URL (default: local[*], or spark-submit's).")
    String master;

    @Option(names = "--allow-drift", description = "Publish even if the new version drifts from the published one.")
    boolean allowDrift;

    @Option(names = "--no-publish", description = "Leave the new version complete and validated but unpublished;"
            + " `vecforge publish` promotes it.")
    boolean noPublish;

    @Option(names = "--run-id", paramLabel = "ID",
            description = "Record the new version under INDEX/_runs/<ID>/VERSION, for schedulers that run later steps.")
    String runId;

    @Option(names = "--logical-date", paramLabel = "YYYY-MM-DD",
            description = "Date the input's data is for (default: today, UTC); version ids start with it.")
    String logicalDate;

    @Override
    public Integer call() throws Exception {
        Map<String, String> settings = new LinkedHashMap<>(overrides);
        putIfGiven(settings, "input.path", input);
        putIfGiven(settings, "output.root", output);
        putIfGiven(settings, "index.name", index);
        putIfGiven(settings, "build.logical-date", logicalDate);
        putIfGiven(settings, "build.mode", mode);
        putIfGiven(settings, "delta.base", base);
        if (allowDrift) {
            settings.put("publish.allow-drift", "true");
        }
        BuildConfig buildConfig = BuildConfig.load(config, settings);
        try (SparkSession spark = EmbeddedSpark.session("vecforge build " + buildConfig.index().name(), master)) {
            BuildResult result;
            if (buildConfig.delta().enabled()) {
                result = new DeltaBuildJob(spark, buildConfig, !noPublish).run();
            } else {
                long startup = System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime();
                BuildJob job = new BuildJob(spark, buildConfig).afterStartup(startup);
                result = (noPublish ? job.withoutPublishing() : job).run();
            }
            if (runId != null) {
                RunRecord.write(buildConfig, runId, result.manifest().version());
            }
            if (result.unchanged()) {
                out().printf(Locale.ROOT, "nothing to apply: the delta input %s has no rows; %s version %s is"
                        + " unchanged%n", buildConfig.input().path(), result.manifest().indexName(),
                        result.manifest().version());
                return 0;
            }
            out().printf(Locale.ROOT,
                    (result.published() ? "published" : "staged") + " %s version %s: %,d rows in %d shards, recall@%d %.4f%n  %s%n  %s%n",
                    result.manifest().indexName(), result.manifest().version(),
                    result.manifest().source().acceptedRows(),
                    result.manifest().shards().size(), result.manifest().validation().k(),
                    result.manifest().validation().recall(), result.manifest().accounting().summary(),
                    result.versionDir());
            return 0;
        } catch (BuildFailedException e) {
            spec.commandLine().getErr().println("vecforge build: " + e.getMessage());
            spec.commandLine().getErr().println(e.failure() == Failure.COMMIT_STATE_UNKNOWN
                    ? "LATEST may or may not name the new version: check with `vecforge list`"
                    : "nothing was published; LATEST is unchanged");
            return e.failure().exitCode();
        }
    }

    private static void putIfGiven(Map<String, String> settings, String key, String value) {
        if (value != null) {
            settings.put(key, value);
        }
    }

    private java.io.PrintWriter out() {
        return spec.commandLine().getOut();
    }
}
