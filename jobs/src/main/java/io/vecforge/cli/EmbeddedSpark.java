package io.vecforge.cli;

import io.vecforge.bundle.s3.S3Settings;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import org.apache.spark.sql.SparkSession;

/** The Spark session a command runs on: spark-submit's when there is one, else embedded local mode. */
final class EmbeddedSpark {
    /**
     * Off unless set: the build's one large shuffle carries float vectors, which LZ4 does not shrink (the 1M × 128
     * shard shuffle is 530 MB either way) but spends CPU compressing and checksumming.
     */
    private static final String SHUFFLE_COMPRESS = "spark.shuffle.compress";
    /**
     * Off unless set: Spark checksums shuffle blocks (Adler-32 over every byte written) only to name the cause of
     * a corruption its codec has already detected, and with compression off no codec detects any. At 4M x 128
     * the checksum was 3.5% of the scan's task time.
     */
    private static final String SHUFFLE_CHECKSUM = "spark.shuffle.checksum.enabled";

    /** The app name of a session started ahead of the command that asks for it. */
    static final String PRESTARTED_APP = "vecforge build";
    private static final Set<String> NO_WORK = Set.of("-h", "--help", "-V", "--version");

    /** The embedded session {@link #prestartFor} began, until a command claims it; null when there is none. */
    private static FutureTask<SparkSession> prestarted;

    private EmbeddedSpark() {}

    /**
     * Starts the embedded local session of a {@code build} on a thread of its own, so that Spark's start (0.8 s:
     * its classes, RPC environment, block manager and executor) runs beside picocli's parse and the config's
     * load instead of after them: only where the session is sure to be the one the build asks for (no
     * --master, no picocli argument file that could hold one, not under spark-submit) and the command will run
     * (no help or version). Returns whether it did.
     */
    static synchronized boolean prestartFor(List<String> args) {
        String command = args.stream().filter(arg -> !arg.startsWith("-")).findFirst().orElse("");
        boolean master = args.stream().anyMatch(arg -> arg.equals("--master") || arg.startsWith("--master="));
        if (prestarted != null || !command.equals("build") || master || System.getProperty("spark.master") != null
                || args.stream().anyMatch(arg -> NO_WORK.contains(arg) || arg.startsWith("@"))) {
            return false;
        }
        // Logging starts here, before the two threads could both start it: log4j's context is not safe to start from
        // two threads at once (its JMX beans register twice, and the second prints an error to stdout).
        org.slf4j.LoggerFactory.getLogger(EmbeddedSpark.class);
        prestarted = new FutureTask<>(() -> create(PRESTARTED_APP, null));
        Thread starter = new Thread(prestarted, "vecforge-spark-start");
        starter.setDaemon(true);
        starter.start();
        return true;
    }

    /**
     * Stops a prestarted session no command claimed (the build failed before it asked, or picocli refused the
     * arguments), once it is up: the JVM then exits without Spark failing half-started.
     */
    static void stopUnclaimed() {
        stop(claim());
    }

    private static void stop(FutureTask<SparkSession> unclaimed) {
        if (unclaimed == null) {
            return;
        }
        try {
            unclaimed.get().stop();
        } catch (ExecutionException e) {
            // it never started: nothing to stop, and no command asked for it
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The session a command runs on: the prestarted one where it serves (a local build), else a new one. */
    static SparkSession session(String appName, String master) {
        FutureTask<SparkSession> early = claim();
        if (early != null && master != null) {
            stop(early); // not the session asked for: getOrCreate would hand it back instead of the master's
            early = null;
        }
        if (early == null) {
            return create(appName, master);
        }
        try {
            SparkSession spark = early.get();
            SparkSession.setActiveSession(spark);
            return spark;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the embedded Spark session started", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException("the embedded Spark session did not start", e.getCause());
        }
    }

    private static synchronized FutureTask<SparkSession> claim() {
        FutureTask<SparkSession> early = prestarted;
        prestarted = null;
        return early;
    }

    private static SparkSession create(String appName, String master) {
        SparkSession.Builder builder = SparkSession.builder().appName(appName);
        boolean submitted = System.getProperty("spark.master") != null;
        if (master != null) {
            builder.master(master);
        } else if (!submitted) {
            builder.master("local[*]");
        }
        if (!submitted) {
            builder.config("spark.ui.enabled", "false")
                    .config("spark.sql.shuffle.partitions", String.valueOf(
                            Math.max(4, 2 * Runtime.getRuntime().availableProcessors())));
            for (String off : new String[] {SHUFFLE_COMPRESS, SHUFFLE_CHECKSUM}) {
                if (System.getProperty(off) == null) {
                    builder.config(off, "false");
                }
            }
        }
        S3Settings.environmentDefaults(System.getenv()).forEach((key, value) -> {
            if (System.getProperty("spark.hadoop." + key) == null) {
                builder.config("spark.hadoop." + key, value);
            }
        });
        return builder.getOrCreate();
    }
}
