package io.vecforge.bundle;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vecforge.UsageException;
import io.vecforge.faiss.Metric;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * manifest.json of a bundle version: an immutable value, written once when a build completes.
 * The format is documented in docs/bundle-format.md; bump {@link #FORMAT_VERSION} on any
 * incompatible change. Collections are never null: a manifest without them reads as empty ones.
 *
 * @param parent lineage: the version LATEST named when this one was built, and its content hash; null for the first
 * @param faissMinReader the oldest Faiss that reads this bundle's files (io.vecforge.faiss.FaissReaders); pullers
 *     and readers with an older Faiss refuse the bundle. Null in bundles built before it was recorded
 * @param files every other file of the bundle: the trained empty index, the hold-out query set, the id map
 * @param reports the build report (report.html and its images): checked like files, not part of the content hash
 * @param search search settings the build recommends; null in bundles built before they were recorded
 * @param contentHash SHA-256 of the content: {@link #computeContentHash()}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"formatVersion", "indexName", "version", "parent", "createdAt", "vecforgeVersion", "faissVersion",
    "faissMinReader", "source", "accounting", "ids", "vectors", "training", "sharding", "shards", "files", "reports",
    "validation", "search", "delta", "timingsMillis", "runtime", "contentHash"})
public record Manifest(int formatVersion, String indexName, String version, Parent parent, String createdAt,
        String vecforgeVersion, String faissVersion, String faissMinReader, Source source, Accounting accounting,
        Ids ids, Vectors vectors, Training training, Sharding sharding, List<Shard> shards, List<BundleFile> files,
        List<BundleFile> reports, Validation validation, Search search, Delta delta, Map<String, Long> timingsMillis,
        Runtime runtime, String contentHash) {
    public static final int FORMAT_VERSION = 1;
    public static final String FILE_NAME = BundleLayout.MANIFEST;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .addMixIn(Metric.class, MetricJson.class);

    public Manifest {
        source = orEmpty(source, () -> new Source(null, 0, null, null));
        accounting = orEmpty(accounting, () -> new Accounting(0, 0, 0, null, 0, 0, null, null, null));
        ids = orEmpty(ids, () -> new Ids(false, null, null));
        vectors = orEmpty(vectors, () -> new Vectors(0, null, null, null));
        training = orEmpty(training, () -> new Training(0, 0, null, null, null, null, null, null, null, null));
        sharding = orEmpty(sharding, () -> new Sharding(0, null));
        shards = list(shards, "shards");
        files = list(files, "files");
        reports = list(reports, "reports");
        validation = orEmpty(validation, () -> new Validation(null, null, 0, 0, 0, 0, null, 0, null));
        timingsMillis = map(timingsMillis);
        runtime = orEmpty(runtime, () -> new Runtime(null, null, null, null, null, 0, 0, null, null, null, null, null));
    }

    /** The same manifest with its content hash computed: the last step of assembling one. */
    public Manifest withContentHash() {
        return new Manifest(formatVersion, indexName, version, parent, createdAt, vecforgeVersion, faissVersion,
                faissMinReader, source, accounting, ids, vectors, training, sharding, shards, files, reports,
                validation, search, delta, timingsMillis, runtime, computeContentHash());
    }

    /** The metric Faiss recorded as l2, ip or cosine; Jackson maps it through {@link Metric#configName()}. */
    abstract static class MetricJson {
        @JsonValue
        abstract String configName();
    }

    /** Where the quantizer was trained. */
    public enum Trainer {
        CPU, GPU;

        @JsonValue
        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** What a {@link BundleFile} holds. */
    public enum FileRole {
        TRAINED_INDEX, HOLDOUT_QUERIES, HOLDOUT_GROUND_TRUTH, HOLDOUT_GROUND_TRUTH_DISTANCES, ID_MAP, REPORT,
        REPORT_IMAGE;

        @JsonValue
        public String configName() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    public record Parent(String version, String contentHash) {}

    public record Source(String path, long acceptedRows, String idColumn, String vectorColumn) {}

    /**
     * Every input row accounted for: inputRows = indexedRows + rejectedRows + duplicatesDropped.
     *
     * @param rejected rejected rows by reason (docs/build.md#rejection-reasons)
     * @param quarantine bundle-relative directory of the quarantined rows (Parquet), or null if none
     */
    public record Accounting(long inputRows, long indexedRows, long rejectedRows, Map<String, Long> rejected,
            long duplicatesDropped, double maxRejectedFraction, DuplicatePolicy duplicatePolicy, String orderColumn,
            String quarantine) {
        public Accounting {
            rejected = map(rejected);
        }

        public boolean balances() {
            return inputRows == indexedRows + rejectedRows + duplicatesDropped;
        }

        /** input = indexed + rejected (by reason) + duplicates dropped, as one line. */
        public String summary() {
            return String.format(Locale.ROOT, "input %,d = indexed %,d + rejected %,d %s + duplicates dropped %,d",
                    inputRows, indexedRows, rejectedRows, rejected, duplicatesDropped);
        }
    }

    /**
     * How index ids relate to the input's ids.
     *
     * @param external true when the input's id columns were mapped to dense int64 ids
     * @param mapDir bundle-relative directory of the id map (Parquet: id, then the external id columns)
     */
    public record Ids(boolean external, List<String> columns, String mapDir) {
        public Ids {
            columns = list(columns, "columns");
        }
    }

    /**
     * @param metric l2, ip or cosine (inner product over L2-normalised vectors)
     * @param factory the exact Faiss index_factory string
     * @param auto how index.factory=auto chose the factory; null when the config named one
     */
    public record Vectors(int dimension, Metric metric, String factory, AutoFactory auto) {}

    /**
     * The inputs and outcome of index.factory=auto. {@code estimatedBytes}: the kept factory's estimate;
     * {@code trial}: the codec trial's candidates, in the order tried; null when there was none.
     */
    public record AutoFactory(long maxMemoryBytes, long nlist, int codeBytes, long estimatedBytes, String reasoning,
            List<CodecTrial> trial) {}

    /**
     * One candidate of index.factory=auto's codec trial: its shards' estimated bytes and the recall@10 it
     * reached on the training sample with every list probed.
     */
    public record CodecTrial(String factory, long estimatedBytes, double sampleRecall) {}

    /**
     * @param device the device's name: a GPU, or the CPU model and threads. Not hashed
     * @param note why a GPU that was asked for (train.trainer=auto) was not used. Not hashed
     * @param millis time of the training task itself. Not hashed
     * @param quantizerFit mean distance of this build's training sample to its nearest coarse centroid
     *     (train.reuse=auto compares it)
     * @param reusedFrom the version whose trained index this build reused; null when it trained its own. Not hashed
     * @param reuseDecision why train.reuse reused or trained. Not hashed
     */
    public record Training(long sampleRows, long seed, String trainedIndexFile, Trainer trainer, String device,
            String note, Long millis, Double quantizerFit, String reusedFrom, String reuseDecision) {}

    /**
     * Facts of this particular run, not of the bundle's content: never hashed.
     *
     * @param trainExecutor the executor that trained; trainGpus the GPU addresses Spark assigned to it
     * @param executors per executor: shard tasks run and the largest peak RSS they reported
     * @param searchMicrosPerQuery hold-out search time per query (µs, summed over shards) by nprobe, on the
     *     validating machine
     * @param shardMillis each shard task's time (ms), by shard
     * @param shardTaskMillis shard tasks' time summed over tasks (task-seconds, not wall time); shardUploadMillis
     *     their uploads' share
     * @param trainDispatch the Faiss SIMD level and OpenBLAS kernels the training task computed with ("AVX2 / Haswell");
     *     shardDispatch the same for each shard task, by shard
     * @param trainPhaseMillis the training task's time by phase (ms, in the order they ran: the sample's load, Faiss's
     *     coarse k-means, residuals, PQ codebooks, polysemous reordering, precomputed tables, then write,
     *     quantizer fit, upload)
     * @param shardPhaseMillis the shard tasks' time by phase, summed over tasks (task-ms): open, rows (reading and
     *     checking the sorted rows), add, exact-neighbours, write, upload
     * @param sparkStages every Spark stage the build ran, in order, under the build stage that ran it
     */
    public record Runtime(String trainExecutor, List<String> trainGpus, Map<String, ExecutorUse> executors,
            Map<String, Double> searchMicrosPerQuery, Map<String, Long> shardMillis, long shardTaskMillis,
            long shardUploadMillis, String trainDispatch, Map<String, String> shardDispatch,
            Map<String, Long> trainPhaseMillis, Map<String, Long> shardPhaseMillis, List<SparkStage> sparkStages) {
        public Runtime {
            trainGpus = list(trainGpus, "trainGpus");
            executors = map(executors);
            searchMicrosPerQuery = map(searchMicrosPerQuery);
            shardMillis = map(shardMillis);
            shardDispatch = map(shardDispatch);
            trainPhaseMillis = map(trainPhaseMillis);
            shardPhaseMillis = map(shardPhaseMillis);
            sparkStages = list(sparkStages, "sparkStages");
        }
    }

    /**
     * One Spark stage of a build: which build stage ran it, Spark's name for it, its wall time (submission to
     * completion), its tasks and their summed run time, the bytes its shuffle wrote and read, and what it spilled
     * (in memory, deserialized; and on disk).
     */
    public record SparkStage(String buildStage, String name, long millis, int tasks, long taskMillis, long gcMillis,
            long shuffleWriteBytes, long shuffleReadBytes, long memorySpilledBytes, long diskSpilledBytes) {}

    /** @param peakNativeHeapBytes largest C-heap (Faiss) bytes in use at the end of one of its shard tasks */
    public record ExecutorUse(int shardTasks, long peakRssBytes, long peakNativeHeapBytes) {}

    /** @param partitioner how ids map to shards; see {@link ShardAssignment} */
    public record Sharding(int shards, String partitioner) {
        public Sharding {
            partitioner = partitioner == null ? ShardAssignment.NAME : partitioner;
        }
    }

    @JsonPropertyOrder({"shard", "file", "rows", "bytes", "crc32c", "minId", "maxId"})
    public record Shard(int shard, String file, long rows, long bytes, String crc32c, Long minId, Long maxId) {}

    @JsonPropertyOrder({"role", "file", "bytes", "crc32c"})
    public record BundleFile(FileRole role, String file, long bytes, String crc32c) {
        public BundleFile(FileRole role, String file, FileDigest digest) {
            this(role, file, digest.bytes(), digest.crc32cHex());
        }
    }

    /**
     * @param recall recall@k measured before publication; null until validated
     * @param groundTruthDepth neighbours kept per hold-out query in the ground truth (ids, and their distances in
     *     the HOLDOUT_GROUND_TRUTH_DISTANCES file): k, or more so that a delta build can keep it exact; an id of -1
     *     ends a query's exact list early. 0 in bundles built before it was recorded (then k)
     * @param listImbalance Faiss's imbalance factor of the inverted lists over all shards (nlist * sum(size^2) /
     *     ntotal^2; 1 is perfectly even); null until validated
     */
    public record Validation(String queriesFile, String groundTruthFile, int queries, int k, int nprobe,
            double minRecall, Double recall, int groundTruthDepth, Double listImbalance) {}

    /**
     * What a delta build applied to its base version; null for a full build. The version's row count is
     * baseRows - deletesFound - replaced + upserts, exactly.
     *
     * @param base the version the delta was applied to
     * @param chain delta builds since the last full build, this one included
     * @param fullBuild the last full build of the chain: its trained index is every version's of the chain
     * @param upserts upserts applied: inserted (ids the base lacked) plus replaced
     * @param deletes deletes applied: deletesFound removed an id of the base, deletesMissing named none
     * @param missingDeletes the policy deletesMissing met (ignore or fail)
     * @param changedShards shards the delta touched; every other shard is the base's file, byte for byte
     * @param fullBuildListImbalance the list imbalance of the chain's full build; null when it did not record one
     * @param upsertFit the upserts' mean distance to their nearest coarse centroid (as training.quantizerFit measures
     *     the full build's sample); null without upserts
     * @param holdoutFit the hold-out queries' mean distance to their nearest coarse centroid: how the full build's
     *     rows fit the quantizer, out of its training sample
     * @param fitDegradation how much worse the upserts fit the reused quantizer than the full build's rows (the
     *     worse of holdoutFit and training.quantizerFit; relative; train.max-reuse-degradation bounds it); null
     *     without upserts
     * @param newKeys external keys the base's id map lacked, mapped to new ids by this delta (0 for int64 ids)
     */
    public record Delta(String base, int chain, String fullBuild, long baseRows, long upserts, long inserted,
            long replaced, long deletes, long deletesFound, long deletesMissing, String missingDeletes,
            List<Integer> changedShards, Double fullBuildListImbalance, Double upsertFit, Double holdoutFit,
            Double fitDegradation, long newKeys) {
        public Delta {
            changedShards = list(changedShards, "changedShards");
        }

        /** The version's rows from the base's and this delta's counts. */
        public long expectedRows() {
            return baseRows - deletesFound - replaced + upserts;
        }
    }

    /** Neighbours per query the ground truth holds. */
    public int groundTruthDepth() {
        return validation.groundTruthDepth > 0 ? validation.groundTruthDepth : validation.k;
    }

    /**
     * The recommended search settings: recall of the hold-out queries at each nprobe swept.
     *
     * @param nprobe the smallest swept nprobe whose recall reaches targetRecall; if none does, the smallest whose
     *     recall is within 0.005 of the curve's best (where the curve levels off)
     */
    public record Search(int nprobe, double targetRecall, boolean targetReached, List<NprobeRecall> recallCurve) {
        public Search {
            recallCurve = list(recallCurve, "recallCurve");
        }

        /** The recommendation in words, for `inspect` and the report. */
        public String describe() {
            if (targetReached || recallCurve.isEmpty()) {
                return String.format(Locale.ROOT, "%d (target recall %.2f reached)", nprobe, targetRecall);
            }
            double best = recallCurve.stream().mapToDouble(NprobeRecall::recall).max().orElse(0);
            return String.format(Locale.ROOT, "%d (target recall %.2f not reached: recall levels off at"
                    + " %.3f from nprobe %d, so the code size, not nprobe, bounds it; a larger code such as SQ8 or"
                    + " more PQ bytes raises it)", nprobe, targetRecall, best, nprobe);
        }
    }

    public record NprobeRecall(int nprobe, double recall) {}

    /** The nprobe to search with by default: the recommended one, else the one validation used. */
    public int defaultNprobe() {
        return search != null && search.nprobe > 0 ? search.nprobe : Math.max(1, validation.nprobe);
    }

    public BundleFile file(FileRole role) {
        return files.stream().filter(f -> role == f.role).findFirst().orElse(null);
    }

    public long shardRows() {
        return shards.stream().mapToLong(Shard::rows).sum();
    }

    /** Every file name the manifest lists (shards, files, reports), as listed: untrusted, possibly null. */
    public Stream<String> fileNames() {
        return Stream.concat(shards.stream().map(Shard::file), Stream.concat(files.stream(), reports.stream())
                .map(BundleFile::file));
    }

    /** File names that more than one shard or file entry lists (a manifest must name each file once). */
    public Set<String> repeatedFileNames() {
        Set<String> seen = new HashSet<>();
        Set<String> repeated = new TreeSet<>();
        fileNames()
                .filter(Objects::nonNull)
                .filter(name -> !seen.add(name))
                .forEach(repeated::add);
        return repeated;
    }

    /**
     * SHA-256 of everything that describes the bundle's content, with keys sorted: the same input,
     * config and vecforge version give the same hash. Left out: the version id, its parent, createdAt,
     * timingsMillis, runtime, the reports, the training device/note/time/reuse, the input's location
     * (source.path) and the hash itself.
     */
    public String computeContentHash() {
        try {
            ObjectNode tree = JSON.valueToTree(this);
            tree.remove(List.of("version", "parent", "createdAt", "timingsMillis", "runtime", "reports",
                    "contentHash"));
            ((ObjectNode) tree.get("source")).remove("path");
            ((ObjectNode) tree.get("training")).remove(List.of("device", "note", "millis", "reusedFrom",
                    "reuseDecision"));
            ObjectMapper canonical = new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
            Object sorted = canonical.treeToValue(tree, Object.class);
            return Completion.sha256(canonical.writeValueAsBytes(sorted));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Manifest fromJson(byte[] json) {
        try {
            Manifest manifest = JSON.readValue(json, Manifest.class);
            if (manifest == null) { // the JSON literal null
                throw new UsageException("manifest.json is not a valid manifest: it holds null");
            }
            return manifest;
        } catch (IOException e) {
            throw (UsageException) new UsageException("manifest.json is not a valid manifest: " + e.getMessage()).initCause(e);
        }
    }

    private static <T> T orEmpty(T value, java.util.function.Supplier<T> empty) {
        return value == null ? empty.get() : value;
    }

    /** An untrusted manifest's "shards": [null] is refused here, not met later as a NullPointerException. */
    private static <T> List<T> list(List<T> values, String name) {
        if (values == null) {
            return List.of();
        }
        if (values.stream().anyMatch(Objects::isNull)) { // not contains(null): List.of refuses to answer it
            throw new IllegalArgumentException(name + " holds a null entry");
        }
        return List.copyOf(values);
    }

    /** Keeps the order the entries were put in: the JSON lists them that way. */
    private static <K, V> Map<K, V> map(Map<K, V> values) {
        return values == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }
}
