package io.vecforge.bundle;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.vecforge.UsageException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * manifest.json of a bundle version. The format is documented in docs/bundle-format.md;
 * bump {@link #FORMAT_VERSION} on any incompatible change.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"formatVersion", "indexName", "version", "parent", "createdAt", "vecforgeVersion", "faissVersion",
    "faissMinReader", "source", "accounting", "ids", "vectors", "training", "sharding", "shards", "files", "reports", "validation",
    "search", "timingsMillis", "runtime", "contentHash"})
public final class Manifest {
    public static final int FORMAT_VERSION = 1;
    public static final String FILE_NAME = BundleLayout.MANIFEST;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public int formatVersion = FORMAT_VERSION;
    public String indexName;
    public String version;
    /** Lineage: the version LATEST named when this one was built, and its content hash; null for the first. */
    public Parent parent;
    public String createdAt;
    public String vecforgeVersion;
    public String faissVersion;
    /**
     * The oldest Faiss that reads this bundle's files (io.vecforge.faiss.FaissReaders); pullers and
     * readers with an older Faiss refuse the bundle. Null in bundles built before it was recorded.
     */
    public String faissMinReader;
    public Source source = new Source();
    public Accounting accounting = new Accounting();
    public Ids ids = new Ids();
    public Vectors vectors = new Vectors();
    public Training training = new Training();
    public Sharding sharding = new Sharding();
    public List<Shard> shards = new ArrayList<>();
    /** Every other file of the bundle: the trained empty index and the hold-out query set. */
    public List<BundleFile> files = new ArrayList<>();
    /** The build report (report.html and its images): checked like files, not part of the content hash. */
    public List<BundleFile> reports = new ArrayList<>();
    public Validation validation = new Validation();
    /** Search settings the build recommends; null in bundles built before they were recorded. */
    public Search search;
    public Map<String, Long> timingsMillis = new LinkedHashMap<>();
    public Runtime runtime = new Runtime();
    /** SHA-256 of the content: {@link #computeContentHash()}. */
    public String contentHash;

    public static final class Parent {
        public String version;
        public String contentHash;

        public Parent() {}

        public Parent(String version, String contentHash) {
            this.version = version;
            this.contentHash = contentHash;
        }
    }

    public static final class Source {
        public String path;
        public long acceptedRows;
        public String idColumn;
        public String vectorColumn;
    }

    /** Every input row accounted for: inputRows = indexedRows + rejectedRows + duplicatesDropped. */
    public static final class Accounting {
        public long inputRows;
        public long indexedRows;
        public long rejectedRows;
        /** Rejected rows by reason (docs/build.md#rejection-reasons). */
        public Map<String, Long> rejected = new LinkedHashMap<>();
        public long duplicatesDropped;
        public double maxRejectedFraction;
        /** fail, keep-first or keep-latest. */
        public String duplicatePolicy;
        public String orderColumn;
        /** Bundle-relative directory of the quarantined rows (Parquet), or null if none. */
        public String quarantine;

        public boolean balances() {
            return inputRows == indexedRows + rejectedRows + duplicatesDropped;
        }

        /** input = indexed + rejected (by reason) + duplicates dropped, as one line. */
        public String summary() {
            return String.format(java.util.Locale.ROOT,
                    "input %,d = indexed %,d + rejected %,d %s + duplicates dropped %,d", inputRows, indexedRows,
                    rejectedRows, rejected, duplicatesDropped);
        }
    }

    /** How index ids relate to the input's ids. */
    public static final class Ids {
        /** True when the input's id columns were mapped to dense int64 ids. */
        public boolean external;
        public List<String> columns = new ArrayList<>();
        /** Bundle-relative directory of the id map (Parquet: id, then the external id columns). */
        public String mapDir;
    }

    public static final class Vectors {
        public int dimension;
        /** "l2", "ip" or "cosine" (inner product over L2-normalised vectors). */
        public String metric;
        /** The exact Faiss index_factory string. */
        public String factory;
        /** How index.factory=auto chose the factory; null when the config named one. */
        public AutoFactory auto;
    }

    /** The inputs and outcome of index.factory=auto. */
    public static final class AutoFactory {
        public long maxMemoryBytes;
        public long nlist;
        public int codeBytes;
        public long estimatedBytes;
        public String reasoning;
    }

    public static final class Training {
        public long sampleRows;
        public long seed;
        public String trainedIndexFile;
        /** "cpu" or "gpu": where the quantizer was trained. */
        public String trainer;
        /** The device's name: a GPU, or the CPU model and threads. Not hashed. */
        public String device;
        /** Why a GPU that was asked for (train.trainer=auto) was not used. Not hashed. */
        public String note;
        /** Time of the training task itself. Not hashed. */
        public Long millis;
        /** Mean distance of this build's training sample to its nearest coarse centroid (train.reuse=auto compares it). */
        public Double quantizerFit;
        /** The version whose trained index this build reused; null when it trained its own. Not hashed. */
        public String reusedFrom;
        /** Why train.reuse reused or trained. Not hashed. */
        public String reuseDecision;
    }

    /** Facts of this particular run, not of the bundle's content: never hashed. */
    public static final class Runtime {
        /** The executor that trained, and the GPU addresses Spark assigned to it. */
        public String trainExecutor;
        public List<String> trainGpus = new ArrayList<>();
        /** Per executor: shard tasks run and the largest peak RSS they reported. */
        public Map<String, ExecutorUse> executors = new java.util.TreeMap<>();
        /** Hold-out search time per query (µs, summed over shards) by nprobe, on the validating machine. */
        public Map<String, Double> searchMicrosPerQuery = new LinkedHashMap<>();
        /** Each shard task's time (ms), by shard. */
        public Map<String, Long> shardMillis = new LinkedHashMap<>();
        /** Shard tasks' time summed over tasks (task-seconds, not wall time), and their uploads' share. */
        public long shardTaskMillis;
        public long shardUploadMillis;
        /** The Faiss SIMD level and OpenBLAS kernels the training task computed with ("AVX2 / Haswell"). */
        public String trainDispatch;
        /** The same for each shard task, by shard. */
        public Map<String, String> shardDispatch = new LinkedHashMap<>();
    }

    public static final class ExecutorUse {
        public int shardTasks;
        public long peakRssBytes;
        /** Largest C-heap (Faiss) bytes in use at the end of one of its shard tasks. */
        public long peakNativeHeapBytes;
    }

    public static final class Sharding {
        public int shards;
        /** How ids map to shards; see {@link ShardAssignment}. */
        public String partitioner = ShardAssignment.NAME;
    }

    @JsonPropertyOrder({"shard", "file", "rows", "bytes", "crc32c", "minId", "maxId"})
    public static final class Shard {
        public int shard;
        public String file;
        public long rows;
        public long bytes;
        public String crc32c;
        public Long minId;
        public Long maxId;
    }

    @JsonPropertyOrder({"role", "file", "bytes", "crc32c"})
    public static final class BundleFile {
        public String role;
        public String file;
        public long bytes;
        public String crc32c;

        public BundleFile() {}

        public BundleFile(String role, String file, FileDigest digest) {
            this.role = role;
            this.file = file;
            this.bytes = digest.bytes();
            this.crc32c = digest.crc32cHex();
        }
    }

    public static final class Validation {
        public String queriesFile;
        public String groundTruthFile;
        public int queries;
        public int k;
        public int nprobe;
        public double minRecall;
        /** recall@k measured before publication; null until validated. */
        public Double recall;
    }

    /** The recommended search settings: recall of the hold-out queries at each nprobe swept. */
    public static final class Search {
        /**
         * The smallest swept nprobe whose recall reaches targetRecall; if none does, the smallest
         * whose recall is within 0.005 of the curve's best (where the curve levels off).
         */
        public int nprobe;
        public double targetRecall;
        public boolean targetReached;
        public List<NprobeRecall> recallCurve = new ArrayList<>();

        /** The recommendation in words, for `inspect` and the report. */
        public String describe() {
            if (targetReached || recallCurve.isEmpty()) {
                return String.format(java.util.Locale.ROOT, "%d (target recall %.2f reached)", nprobe, targetRecall);
            }
            double best = recallCurve.stream().mapToDouble(p -> p.recall).max().orElse(0);
            return String.format(java.util.Locale.ROOT, "%d (target recall %.2f not reached: recall levels off at"
                    + " %.3f from nprobe %d, so the code size, not nprobe, bounds it; a larger code such as SQ8 or"
                    + " more PQ bytes raises it)", nprobe, targetRecall, best, nprobe);
        }
    }

    public static final class NprobeRecall {
        public int nprobe;
        public double recall;

        public NprobeRecall() {}

        public NprobeRecall(int nprobe, double recall) {
            this.nprobe = nprobe;
            this.recall = recall;
        }
    }

    /** The nprobe to search with by default: the recommended one, else the one validation used. */
    public int defaultNprobe() {
        return search != null && search.nprobe > 0 ? search.nprobe : Math.max(1, validation.nprobe);
    }

    public BundleFile file(String role) {
        return files.stream().filter(f -> role.equals(f.role)).findFirst().orElse(null);
    }

    public long shardRows() {
        return shards.stream().mapToLong(s -> s.rows).sum();
    }

    /** File names that more than one shard or file entry lists (a manifest must name each file once). */
    public java.util.Set<String> repeatedFileNames() {
        java.util.Set<String> seen = new java.util.HashSet<>();
        java.util.Set<String> repeated = new java.util.TreeSet<>();
        java.util.stream.Stream.concat(shards.stream().map(s -> s.file),
                        java.util.stream.Stream.concat(files.stream(), reports.stream()).map(f -> f.file))
                .filter(java.util.Objects::nonNull)
                .filter(name -> !seen.add(name))
                .forEach(repeated::add);
        return repeated;
    }

    /**
     * SHA-256 of everything that describes the bundle's content, with keys sorted: the same input,
     * config and vecforge version give the same hash. Left out: the version id, createdAt,
     * timingsMillis, runtime, the training device/note/time, the input's location (source.path)
     * and the hash itself.
     */
    public String computeContentHash() {
        try {
            com.fasterxml.jackson.databind.node.ObjectNode tree = JSON.valueToTree(this);
            tree.remove(List.of("version", "parent", "createdAt", "timingsMillis", "runtime", "reports", "contentHash"));
            ((com.fasterxml.jackson.databind.node.ObjectNode) tree.get("source")).remove("path");
            ((com.fasterxml.jackson.databind.node.ObjectNode) tree.get("training")).remove(
                    List.of("device", "note", "millis", "reusedFrom", "reuseDecision"));
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
}
