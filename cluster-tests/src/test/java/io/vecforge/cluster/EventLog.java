package io.vecforge.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/** What a Spark event log says about where tasks ran: the independent record of scheduling. */
final class EventLog {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<JsonNode> events = new ArrayList<>();

    /** A task's end: its stage, executor, whether it succeeded and was speculative. */
    record TaskEnd(int stage, String executor, boolean succeeded, String reason, boolean speculative) {}

    /** The only event log in dir (one application per directory). */
    static EventLog in(Path dir) throws IOException {
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.filter(p -> !p.getFileName().toString().startsWith(".")).toList();
        }
        if (files.size() != 1) {
            throw new IllegalStateException("expected one event log in " + dir + ", found " + files);
        }
        EventLog log = new EventLog();
        for (String line : Files.readAllLines(files.get(0))) {
            if (!line.isBlank()) {
                log.events.add(JSON.readTree(line));
            }
        }
        return log;
    }

    private Stream<JsonNode> of(String type) {
        return events.stream().filter(e -> type.equals(e.path("Event").asText()));
    }

    /** Stage ids of the jobs whose description starts with prefix. */
    Set<Integer> stagesOfJobs(String descriptionPrefix) {
        Set<Integer> stages = new HashSet<>();
        of("SparkListenerJobStart")
                .filter(e -> e.path("Properties").path("spark.job.description").asText().startsWith(descriptionPrefix))
                .forEach(e -> e.path("Stage IDs").forEach(id -> stages.add(id.asInt())));
        return stages;
    }

    List<TaskEnd> taskEnds(Set<Integer> stages) {
        return of("SparkListenerTaskEnd")
                .filter(e -> stages.contains(e.path("Stage ID").asInt()))
                .map(e -> new TaskEnd(e.path("Stage ID").asInt(), e.path("Task Info").path("Executor ID").asText(),
                        "Success".equals(e.path("Task End Reason").path("Reason").asText()),
                        e.path("Task End Reason").path("Reason").asText(),
                        e.path("Task Info").path("Speculative").asBoolean()))
                .toList();
    }

    /** Executor id → its executor info (host, log URLs, resources, resource profile). */
    Map<String, JsonNode> executors() {
        Map<String, JsonNode> executors = new HashMap<>();
        of("SparkListenerExecutorAdded").forEach(e -> executors.put(e.path("Executor ID").asText(),
                e.path("Executor Info")));
        return executors;
    }

    long executorsRemoved() {
        return of("SparkListenerExecutorRemoved").count();
    }

    /** The web UI port of the worker that started an executor, from the executor's log URL. */
    static int workerUiPort(JsonNode executorInfo) {
        String url = executorInfo.path("Log Urls").path("stdout").asText();
        java.net.URI uri = java.net.URI.create(url);
        return uri.getPort();
    }
}
