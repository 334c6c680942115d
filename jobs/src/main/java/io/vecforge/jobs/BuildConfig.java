package io.vecforge.jobs;

import io.vecforge.build.DuplicatePolicy;
import io.vecforge.faiss.Metric;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Settings of one index build. Read from a properties file (conf/example-index.properties documents
 * every key) plus command-line overrides; unknown keys are errors, never ignored.
 */
public final class BuildConfig implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Every key with its default (null = required, "" = optional and unset). Order is the documentation order. */
    static final Map<String, String> DEFAULTS = new LinkedHashMap<>();

    static {
        DEFAULTS.put("index.name", null);
        DEFAULTS.put("input.path", null);
        DEFAULTS.put("input.id-column", "id");
        DEFAULTS.put("input.vector-column", "vector");
        DEFAULTS.put("input.dimension", "0");
        DEFAULTS.put("input.require-success", "false");
        DEFAULTS.put("input.max-rejected-fraction", "0");
        DEFAULTS.put("input.duplicates", "fail");
        DEFAULTS.put("input.order-column", "");
        DEFAULTS.put("output.root", null);
        DEFAULTS.put("index.factory", "IVF1024,PQ32np");
        DEFAULTS.put("index.metric", "l2");
        DEFAULTS.put("shards", "4");
        DEFAULTS.put("train.seed", "42");
        DEFAULTS.put("train.sample-rows", "0");
        DEFAULTS.put("train.max-sample-bytes", String.valueOf(512L << 20));
        DEFAULTS.put("train.threads", "0");
        DEFAULTS.put("train.trainer", "auto");
        DEFAULTS.put("train.gpu.resource", "gpu");
        DEFAULTS.put("train.gpu.discovery-script", "");
        DEFAULTS.put("train.gpu.wait-seconds", "300");
        DEFAULTS.put("build.batch-rows", "8192");
        DEFAULTS.put("build.threads-per-task", "0");
        DEFAULTS.put("validate.queries", "500");
        DEFAULTS.put("validate.k", "10");
        DEFAULTS.put("validate.nprobe", "16");
        DEFAULTS.put("validate.min-recall", "0.5");
        DEFAULTS.put("build.logical-date", "");
        DEFAULTS.put("publish.max-count-change", "0.2");
        DEFAULTS.put("airflow.schedule", "@daily");
        DEFAULTS.put("airflow.start-date", "2026-01-01");
        DEFAULTS.put("airflow.catchup", "false");
        DEFAULTS.put("airflow.owner", "vecforge");
        DEFAULTS.put("airflow.spark-conn-id", "vecforge_spark");
        DEFAULTS.put("airflow.build-retries", "2");
        DEFAULTS.put("airflow.retry-delay-minutes", "5");
        DEFAULTS.put("airflow.run-timeout-hours", "6");
        DEFAULTS.put("airflow.sensor-poke-seconds", "60");
        DEFAULTS.put("airflow.sensor-timeout-hours", "12");
        DEFAULTS.put("publish.max-recall-drop", "0.05");
        DEFAULTS.put("publish.allow-drift", "false");
    }

    private final Map<String, String> values;

    private BuildConfig(Map<String, String> values) {
        this.values = values;
    }

    public static BuildConfig load(Path file, Map<String, String> overrides) throws IOException {
        Map<String, String> merged = new LinkedHashMap<>(file == null ? Map.of() : ConfigFile.read(file));
        merged.putAll(overrides);
        return of(merged, file == null ? "command line" : file.toString());
    }

    public static BuildConfig of(Map<String, String> given, String origin) {
        TreeSet<String> unknown = new TreeSet<>(given.keySet());
        unknown.removeAll(DEFAULTS.keySet());
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown config key(s) in " + origin + ": " + unknown
                    + "; known keys: " + DEFAULTS.keySet());
        }
        Map<String, String> values = new LinkedHashMap<>(DEFAULTS);
        given.forEach((key, value) -> values.put(key, value == null ? null : value.trim()));
        BuildConfig config = new BuildConfig(values);
        config.check();
        return config;
    }

    private void check() {
        for (Map.Entry<String, String> entry : values.entrySet()) {
            if (entry.getValue() == null || entry.getValue().isEmpty() && DEFAULTS.get(entry.getKey()) == null) {
                throw new IllegalArgumentException("config key '" + entry.getKey() + "' is required");
            }
        }
        metric();
        trainer();
        positive("train.gpu.wait-seconds", gpuWaitSeconds());
        duplicatePolicy();
        requireSuccess();
        logicalDate();
        allowDrift();
        fraction("input.max-rejected-fraction");
        fraction("publish.max-recall-drop");
        if (fraction("publish.max-count-change") < 0) {
            throw new IllegalArgumentException("publish.max-count-change must not be negative");
        }
        if (duplicatePolicy() != DuplicatePolicy.FAIL && orderColumn() == null) {
            throw new IllegalArgumentException("input.duplicates=" + duplicatePolicy().configName()
                    + " needs input.order-column to say which row of an id is first or latest");
        }
        positive("shards", shards());
        positive("build.batch-rows", batchRows());
        positive("validate.queries", queries());
        positive("validate.k", k());
        positive("validate.nprobe", nprobe());
        if (minRecall() < 0 || minRecall() > 1) {
            throw new IllegalArgumentException("validate.min-recall must be within [0, 1], got " + minRecall());
        }
        if (dimension() < 0 || sampleRows() < 0 || trainThreads() < 0 || threadsPerTask() < 0) {
            throw new IllegalArgumentException(
                    "input.dimension, train.sample-rows, train.threads and build.threads-per-task must not be negative");
        }
    }

    private static void positive(String key, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException("config key '" + key + "' must be positive, got " + value);
        }
    }

    private double fraction(String key) {
        double value;
        try {
            value = Double.parseDouble(get(key));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("config key '" + key + "' must be a number, got '" + get(key) + "'");
        }
        if (value < 0 || value > 1 && !key.equals("publish.max-count-change")) {
            throw new IllegalArgumentException("config key '" + key + "' must be within [0, 1], got " + value);
        }
        return value;
    }

    private boolean bool(String key) {
        String value = get(key).toLowerCase(java.util.Locale.ROOT);
        if (!value.equals("true") && !value.equals("false")) {
            throw new IllegalArgumentException("config key '" + key + "' must be true or false, got '" + get(key) + "'");
        }
        return value.equals("true");
    }

    public String get(String key) {
        return values.get(key);
    }

    private long number(String key) {
        try {
            return Long.parseLong(values.get(key));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("config key '" + key + "' must be a whole number, got '"
                    + values.get(key) + "'");
        }
    }

    public String indexName() {
        return get("index.name");
    }

    public String inputPath() {
        return get("input.path");
    }

    /** One long/int column, or one or more columns (e.g. strings) mapped to dense int64 ids. */
    public List<String> idColumns() {
        return Arrays.stream(get("input.id-column").split(",")).map(String::trim).filter(c -> !c.isEmpty()).toList();
    }

    public boolean requireSuccess() {
        return bool("input.require-success");
    }

    public double maxRejectedFraction() {
        return fraction("input.max-rejected-fraction");
    }

    public DuplicatePolicy duplicatePolicy() {
        return DuplicatePolicy.fromConfig(get("input.duplicates"));
    }

    /** The column ordering rows of one id for keep-first / keep-latest, or null. */
    public String orderColumn() {
        String value = get("input.order-column");
        return value.isEmpty() ? null : value;
    }

    /** The date the input's data is for (yesterday's embeddings in a T+1 build); default: today, UTC. */
    public java.time.LocalDate logicalDate() {
        String value = get("build.logical-date");
        if (value.isEmpty()) {
            return java.time.LocalDate.now(java.time.ZoneOffset.UTC);
        }
        try {
            return java.time.LocalDate.parse(value);
        } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException("build.logical-date must be YYYY-MM-DD, got '" + value + "'");
        }
    }

    public double maxCountChange() {
        return fraction("publish.max-count-change");
    }

    public double maxRecallDrop() {
        return fraction("publish.max-recall-drop");
    }

    public boolean allowDrift() {
        return bool("publish.allow-drift");
    }

    public String vectorColumn() {
        return get("input.vector-column");
    }

    /** 0: take the dimension from the data. */
    public int dimension() {
        return (int) number("input.dimension");
    }

    public String outputRoot() {
        return get("output.root");
    }

    public String factory() {
        return get("index.factory");
    }

    public Metric metric() {
        return Metric.fromConfig(get("index.metric"));
    }

    public int shards() {
        return (int) number("shards");
    }

    public long seed() {
        return number("train.seed");
    }

    public long sampleRows() {
        return number("train.sample-rows");
    }

    public long maxSampleBytes() {
        return number("train.max-sample-bytes");
    }

    /** 0: every core of the executor that trains. */
    public int trainThreads() {
        return (int) number("train.threads");
    }

    public TrainerChoice trainer() {
        return TrainerChoice.fromConfig(get("train.trainer"));
    }

    /** The Spark resource name GPUs go by on the cluster. */
    public String gpuResource() {
        return get("train.gpu.resource");
    }

    /** Discovery script for GPU executors started for training ("" = the cluster's own setting). */
    public String gpuDiscoveryScript() {
        return get("train.gpu.discovery-script");
    }

    /** How long the training stage waits for a GPU executor before auto falls back (gpu fails). */
    public long gpuWaitSeconds() {
        return number("train.gpu.wait-seconds");
    }

    public int batchRows() {
        return (int) number("build.batch-rows");
    }

    /** 0: spark.task.cpus. */
    public int threadsPerTask() {
        return (int) number("build.threads-per-task");
    }

    public int queries() {
        return (int) number("validate.queries");
    }

    public int k() {
        return (int) number("validate.k");
    }

    public int nprobe() {
        return (int) number("validate.nprobe");
    }

    public double minRecall() {
        try {
            return Double.parseDouble(get("validate.min-recall"));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("validate.min-recall must be a number, got '"
                    + get("validate.min-recall") + "'");
        }
    }

    public Map<String, String> asMap() {
        return new LinkedHashMap<>(values);
    }
}
