package io.vecforge.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One `scripts/spark-submit.sh … -- build …` run in client mode: the driver is this child process,
 * so killing it (SIGKILL) kills the driver. Its output goes to a log file.
 */
final class Submission implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Path log;
    private final int uiPort;

    private Submission(Process process, Path log, int uiPort) {
        this.process = process;
        this.log = log;
        this.uiPort = uiPort;
    }

    static Submission start(Path repo, Path sparkHome, Path log, List<String> sparkArgs, List<String> buildArgs)
            throws IOException {
        int uiPort = Ports.free();
        List<String> command = new ArrayList<>(List.of(repo.resolve("scripts/spark-submit.sh").toString(),
                "--conf", "spark.ui.port=" + uiPort, "--conf", "spark.driver.host=127.0.0.1",
                "--conf", "spark.driver.bindAddress=127.0.0.1", "--driver-memory", "1g",
                "--conf", "spark.executor.memory=1g", "--conf", "spark.port.maxRetries=64"));
        command.addAll(sparkArgs);
        command.add("--");
        command.addAll(buildArgs);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("SPARK_HOME", sparkHome.toString());
        builder.environment().put("SPARK_SUBMIT", sparkHome.resolve("bin/spark-submit").toString());
        builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        // the driver JVM's own temp dirs (spark-submit's spark-*), kept out of /tmp should a test SIGKILL it
        Path temp = java.nio.file.Files.createDirectories(log.resolveSibling("tmp").resolve(log.getFileName()
                .toString().replace(".log", "")));
        builder.environment().put("SPARK_SUBMIT_OPTS", "-Djava.io.tmpdir=" + temp);
        return new Submission(builder.start(), log, uiPort);
    }

    /** Waits for the driver to exit; returns its exit code. */
    int await(Duration timeout) throws InterruptedException, IOException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("spark-submit ran over " + timeout + ":\n" + output());
        }
        return process.exitValue();
    }

    /** Waits until the driver's output holds text (fails if the driver exits first). */
    void awaitOutput(String text, Duration timeout) throws IOException, InterruptedException {
        StandaloneSpark.await(timeout, "'" + text + "' in " + log, () -> {
            if (!process.isAlive() && !output().contains(text)) {
                throw new IllegalStateException("spark-submit exited " + process.exitValue() + " before printing '"
                        + text + "':\n" + output());
            }
            return output().contains(text);
        });
    }

    /**
     * Waits until a stage of the job described as {@code jobDescriptionPrefix} whose name starts
     * with {@code stageNamePrefix} has tasks running, asking the driver's REST API every 50 ms.
     */
    void awaitRunningTasks(String jobDescriptionPrefix, String stageNamePrefix, Duration timeout)
            throws IOException, InterruptedException {
        StandaloneSpark.await(timeout, "running tasks of '" + jobDescriptionPrefix + "'", () -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("spark-submit exited early:\n" + output());
            }
            for (JsonNode stage : rest("stages?status=active")) {
                if (stage.path("description").asText().startsWith(jobDescriptionPrefix)
                        && stage.path("name").asText().startsWith(stageNamePrefix)
                        && stage.path("numActiveTasks").asInt() > 0) {
                    return true;
                }
            }
            return false;
        });
    }

    private JsonNode rest(String query) throws IOException {
        String base = "http://127.0.0.1:" + uiPort + "/api/v1/applications";
        try (InputStream apps = URI.create(base).toURL().openStream()) {
            JsonNode list = JSON.readTree(apps);
            if (list.isEmpty()) {
                return JSON.createArrayNode();
            }
            try (InputStream in = URI.create(base + "/" + list.get(0).path("id").asText() + "/" + query).toURL()
                    .openStream()) {
                return JSON.readTree(in);
            }
        } catch (java.net.ConnectException | java.io.FileNotFoundException
                | com.fasterxml.jackson.core.JsonProcessingException notYet) { // "Spark is starting up"
            return JSON.createArrayNode();
        }
    }

    /** SIGKILL, as when the driver's machine dies. */
    void kill() throws InterruptedException {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroyForcibly();
        children.forEach(ProcessHandle::destroyForcibly);
        process.waitFor(30, TimeUnit.SECONDS);
    }

    String output() throws IOException {
        return Files.readString(log);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
