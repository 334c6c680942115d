package io.vecforge.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Spark standalone cluster on 127.0.0.1: one master and workers as separate JVMs started with
 * spark-class from the Spark distribution in the pyspark wheel (scripts/setup.sh installs it).
 * Workers can be SIGKILLed (with their executors) and started again. close() kills everything.
 */
final class StandaloneSpark implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path sparkHome;
    private final Path dir;
    private final int masterPort = Ports.free();
    private final int masterUiPort = Ports.free();
    private final List<Process> started = new ArrayList<>();
    private final List<Worker> workers = new ArrayList<>();
    private Process master;

    /** A worker: its process, web UI port (which appears in its executors' log URLs) and settings. */
    record Worker(int number, Process process, int uiPort, Map<String, String> properties) {}

    StandaloneSpark(Path sparkHome, Path dir) {
        this.sparkHome = sparkHome;
        this.dir = dir;
        Runtime.getRuntime().addShutdownHook(new Thread(this::close));
    }

    String masterUrl() {
        return "spark://127.0.0.1:" + masterPort;
    }

    void startMaster() throws IOException, InterruptedException {
        master = launch("master", List.of("org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port",
                String.valueOf(masterPort), "--webui-port", String.valueOf(masterUiPort)), Map.of());
        await(Duration.ofMinutes(2), "the master to answer", () -> state() != null);
    }

    /**
     * Starts worker number n (1-based) with 2 cores and 3 GiB; properties go to its
     * --properties-file, env to its environment.
     */
    Worker startWorker(int n, Map<String, String> properties, Map<String, String> env)
            throws IOException, InterruptedException {
        int uiPort = Ports.free();
        Path propertiesFile = dir.resolve("worker-" + n + ".properties");
        StringBuilder text = new StringBuilder();
        properties.forEach((k, v) -> text.append(k).append(' ').append(v).append('\n'));
        Files.writeString(propertiesFile, text.toString());
        Path workDir = Files.createDirectories(dir.resolve("worker-" + n + "-work"));
        Process process = launch("worker-" + n, List.of("org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
                "--webui-port", String.valueOf(uiPort), "--cores", "2", "--memory", "3g", "--work-dir",
                workDir.toString(), "--properties-file", propertiesFile.toString(), masterUrl()), env);
        Worker worker = new Worker(n, process, uiPort, properties);
        workers.removeIf(w -> w.number() == n);
        workers.add(worker);
        await(Duration.ofMinutes(2), "worker " + n + " to register", () -> aliveWorkers().stream()
                .anyMatch(w -> w.path("webuiaddress").asText().endsWith(":" + uiPort)));
        return worker;
    }

    Worker worker(int n) {
        return workers.stream().filter(w -> w.number() == n).findFirst().orElseThrow();
    }

    /** SIGKILLs a worker and the executors it started, like a machine that vanishes. */
    void killWorker(int n) throws InterruptedException {
        Process process = worker(n).process();
        List<ProcessHandle> executors = process.descendants().toList();
        process.destroyForcibly();
        executors.forEach(ProcessHandle::destroyForcibly);
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** Waits until the master has noticed the worker is gone. */
    void awaitWorkerGone(int n) throws IOException, InterruptedException {
        int uiPort = worker(n).uiPort();
        await(Duration.ofMinutes(3), "the master to drop worker " + n, () -> aliveWorkers().stream()
                .noneMatch(w -> w.path("webuiaddress").asText().endsWith(":" + uiPort)));
    }

    List<JsonNode> aliveWorkers() throws IOException {
        List<JsonNode> alive = new ArrayList<>();
        JsonNode state = state();
        if (state != null) {
            for (JsonNode worker : state.path("workers")) {
                if ("ALIVE".equals(worker.path("state").asText())) {
                    alive.add(worker);
                }
            }
        }
        return alive;
    }

    /** The master's JSON status page, or null while it does not answer. */
    JsonNode state() throws IOException {
        try (InputStream in = URI.create("http://127.0.0.1:" + masterUiPort + "/json/").toURL().openStream()) {
            return JSON.readTree(in);
        } catch (java.net.ConnectException e) {
            return null;
        }
    }

    private Process launch(String name, List<String> args, Map<String, String> env) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(sparkHome.resolve("bin/spark-class").toString());
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile());
        builder.environment().put("SPARK_HOME", sparkHome.toString());
        builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        builder.environment().put("SPARK_DAEMON_MEMORY", "512m");
        // a daemon or executor SIGKILLed by a test leaves its scratch under the cluster's directory, not in /tmp
        builder.environment().put("SPARK_LOCAL_DIRS", Files.createDirectories(dir.resolve("local").resolve(name))
                .toString());
        builder.environment().put("OPENBLAS_NUM_THREADS", "1");
        builder.environment().putAll(env);
        Process process = builder.start();
        started.add(process);
        return process;
    }

    interface Check {
        boolean ok() throws IOException;
    }

    static void await(Duration timeout, String what, Check check) throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (!check.ok()) {
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("timed out after " + timeout + " waiting for " + what);
            }
            Thread.sleep(200);
        }
    }

    /** Kills every process this cluster started, and their children (executors). */
    @Override
    public synchronized void close() {
        for (Process process : started) {
            List<ProcessHandle> children = process.descendants().toList();
            process.destroyForcibly();
            children.forEach(ProcessHandle::destroyForcibly);
        }
        for (Process process : started) {
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        started.clear();
    }
}
