package io.vecforge.jobs.config;

import io.vecforge.bundle.DuplicatePolicy;
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
 * every key) plus command-line overrides; unknown keys are errors, never ignored. Parsed once,
 * into one record per section; stages and tasks take the section they need.
 */
public record BuildConfig(Input input, Index index, Train train, Build build, Validate validate, Publish publish,
        Delta delta) implements Serializable {

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
        DEFAULTS.put("index.max-memory", "");
        DEFAULTS.put("shards", "4");
        DEFAULTS.put("train.seed", "42");
        DEFAULTS.put("train.sample-rows", "0");
        DEFAULTS.put("train.max-sample-bytes", String.valueOf(512L << 20));
        DEFAULTS.put("train.threads", "0");
        DEFAULTS.put("train.trainer", "auto");
        DEFAULTS.put("train.reuse", "never");
        DEFAULTS.put("train.max-reuse-degradation", "0.1");
        DEFAULTS.put("train.gpu.resource", "gpu");
        DEFAULTS.put("train.gpu.discovery-script", "");
        DEFAULTS.put("train.gpu.wait-seconds", "300");
        DEFAULTS.put("build.mode", "full");
        DEFAULTS.put("delta.base", "");
        DEFAULTS.put("delta.op-column", "op");
        DEFAULTS.put("delta.missing-deletes", "ignore");
        DEFAULTS.put("delta.max-chain", "24");
        DEFAULTS.put("delta.max-imbalance-growth", "1.5");
        DEFAULTS.put("delta.nprobe-sweep", "false");
        DEFAULTS.put("build.batch-rows", "8192");
        DEFAULTS.put("build.threads-per-task", "0");
        DEFAULTS.put("build.simd-level", "auto");
        DEFAULTS.put("validate.queries", "500");
        DEFAULTS.put("validate.k", "10");
        DEFAULTS.put("validate.nprobe", "16");
        DEFAULTS.put("validate.min-recall", "0.5");
        DEFAULTS.put("validate.target-recall", "0.9");
        DEFAULTS.put("validate.ground-truth-depth", "0");
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
        DEFAULTS.put("airflow.delta-schedule", "");
        DEFAULTS.put("airflow.delta-path", "");
        DEFAULTS.put("publish.max-recall-drop", "0.05");
        DEFAULTS.put("publish.allow-drift", "false");
    }

    /** input.*: where the embeddings are and what a good row is. */
    public record Input(String path, List<String> idColumns, String vectorColumn, int dimension,
            boolean requireSuccess, double maxRejectedFraction, DuplicatePolicy duplicates, String orderColumn)
            implements Serializable {}

    /** index.*, output.root and shards: what is built and where it is published. */
    public record Index(String name, String outputRoot, String factory, Metric metric, int shards, long maxMemory)
            implements Serializable {
        public static final String AUTO = "auto";

        /** index.factory=auto: chosen from the data and index.max-memory once both are known. */
        public boolean autoFactory() {
            return AUTO.equals(factory);
        }
    }

    /** train.*: the training sample and where training runs. */
    public record Train(long seed, long sampleRows, long maxSampleBytes, int threads, TrainerChoice trainer,
            String gpuResource, String gpuDiscoveryScript, long gpuWaitSeconds, TrainReuse reuse,
            double maxReuseDegradation) implements Serializable {}

    /**
     * build.*: shard tasks, the Faiss SIMD level every task pins ({@code auto}: each task's CPU decides,
     * and a build whose tasks disagree is refused) and the version's logical date.
     */
    public record Build(int batchRows, int threadsPerTask, java.time.LocalDate logicalDate, String simdLevel)
            implements Serializable {
        public static final List<String> SIMD_LEVELS = List.of("auto", "NONE", "AVX2", "AVX512", "AVX512_SPR");
    }

    /**
     * validate.*: the hold-out queries and the recall the version must reach; groundTruthDepth neighbours
     * per query are kept exact (4 k unless set), so delta builds can keep the ground truth exact.
     */
    public record Validate(int queries, int k, int nprobe, double minRecall, double targetRecall,
            int groundTruthDepth) implements Serializable {}

    /** build.mode and delta.*: whether this build applies a delta to a published version, and its limits. */
    public record Delta(boolean enabled, String base, String opColumn, boolean failOnMissingDeletes, int maxChain,
            double maxImbalanceGrowth, boolean nprobeSweep) implements Serializable {
        public String missingDeletes() {
            return failOnMissingDeletes ? "fail" : "ignore";
        }
    }

    /** publish.*: the drift guard's limits. */
    public record Publish(double maxCountChange, double maxRecallDrop, boolean allowDrift) implements Serializable {}

    private static BuildConfig parse(Map<String, String> values) {
        ConfigValues v = new ConfigValues(values);
        v.requirePresent(DEFAULTS);
        Input input = new Input(v.text("input.path"), columns(v.text("input.id-column")), v.text("input.vector-column"),
                v.nonNegativeInt("input.dimension"), v.bool("input.require-success"),
                v.fraction("input.max-rejected-fraction"), duplicates(v.text("input.duplicates")),
                v.optional("input.order-column"));
        Index index = new Index(v.text("index.name"), v.text("output.root"), v.text("index.factory"),
                metric(v.text("index.metric")), v.positiveInt("shards"), v.bytes("index.max-memory"));
        if (index.autoFactory() && index.maxMemory() <= 0) {
            throw new ConfigException("index.factory=auto needs index.max-memory (the serving memory of all"
                    + " shards together, e.g. 8g) to choose the factory");
        }
        Train train = new Train(v.number("train.seed"), v.nonNegative("train.sample-rows"),
                v.number("train.max-sample-bytes"), v.nonNegativeInt("train.threads"),
                TrainerChoice.fromConfig(v.text("train.trainer")), v.text("train.gpu.resource"),
                v.text("train.gpu.discovery-script"), v.positive("train.gpu.wait-seconds"),
                TrainReuse.fromConfig(v.text("train.reuse")), v.nonNegativeNumber("train.max-reuse-degradation"));
        Build build = new Build(v.positiveInt("build.batch-rows"), v.nonNegativeInt("build.threads-per-task"),
                v.date("build.logical-date"), simdLevel(v.text("build.simd-level")));
        Validate validate = new Validate(v.positiveInt("validate.queries"), v.positiveInt("validate.k"),
                v.positiveInt("validate.nprobe"), v.fraction("validate.min-recall"),
                v.fraction("validate.target-recall"), groundTruthDepth(v));
        Publish publish = new Publish(v.nonNegativeNumber("publish.max-count-change"),
                v.fraction("publish.max-recall-drop"), v.bool("publish.allow-drift"));
        if (input.duplicates() != DuplicatePolicy.FAIL && input.orderColumn() == null) {
            throw new ConfigException("input.duplicates=" + input.duplicates().configName()
                    + " needs input.order-column to say which row of an id is first or latest");
        }
        Delta delta = new Delta(mode(v.text("build.mode")), v.optional("delta.base"), v.text("delta.op-column"),
                missingDeletes(v.text("delta.missing-deletes")), v.positiveInt("delta.max-chain"),
                v.nonNegativeNumber("delta.max-imbalance-growth"), v.bool("delta.nprobe-sweep"));
        return new BuildConfig(input, index, train, build, validate, publish, delta);
    }

    private static int groundTruthDepth(ConfigValues v) {
        int k = v.positiveInt("validate.k");
        int depth = v.nonNegativeInt("validate.ground-truth-depth");
        if (depth == 0) {
            return 4 * k;
        }
        if (depth < k) {
            throw new ConfigException("validate.ground-truth-depth=" + depth + " is below validate.k=" + k);
        }
        return depth;
    }

    private static boolean mode(String value) {
        return switch (value.toLowerCase(java.util.Locale.ROOT)) {
            case "full" -> false;
            case "delta" -> true;
            default -> throw new ConfigException("build.mode must be full or delta, got '" + value + "'");
        };
    }

    private static boolean missingDeletes(String value) {
        return switch (value.toLowerCase(java.util.Locale.ROOT)) {
            case "ignore" -> false;
            case "fail" -> true;
            default -> throw new ConfigException("delta.missing-deletes must be ignore or fail, got '" + value + "'");
        };
    }

    private static String simdLevel(String value) {
        for (String level : Build.SIMD_LEVELS) {
            if (level.equalsIgnoreCase(value.trim())) {
                return level;
            }
        }
        throw new ConfigException("build.simd-level must be one of " + String.join(", ", Build.SIMD_LEVELS)
                + ", got '" + value + "'");
    }

    /** Parsers outside this package name the value but throw the JDK's type: a config error here. */
    private static DuplicatePolicy duplicates(String value) {
        try {
            return DuplicatePolicy.fromConfig(value);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("input.duplicates: " + e.getMessage());
        }
    }

    private static Metric metric(String value) {
        try {
            return Metric.fromConfig(value);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("index.metric: " + e.getMessage());
        }
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
            throw new ConfigException("unknown config key(s) in " + origin + ": " + unknown
                    + "; known keys: " + DEFAULTS.keySet());
        }
        Map<String, String> values = new LinkedHashMap<>(DEFAULTS);
        given.forEach((key, value) -> values.put(key, value == null ? null : value.trim()));
        return parse(values);
    }

    /** One long/int column, or one or more columns (e.g. strings) mapped to dense int64 ids. */
    private static List<String> columns(String value) {
        return Arrays.stream(value.split(",")).map(String::trim).filter(c -> !c.isEmpty()).toList();
    }
}
