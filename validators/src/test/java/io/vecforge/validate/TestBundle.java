package io.vecforge.validate;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vecforge.Versions;
import io.vecforge.bundle.BundleLayout;
import io.vecforge.bundle.BundleStorage;
import io.vecforge.bundle.FileDigest;
import io.vecforge.bundle.Fvecs;
import io.vecforge.bundle.Manifest.FileRole;
import io.vecforge.bundle.Manifest;
import io.vecforge.bundle.ShardAssignment;
import io.vecforge.faiss.FaissIndex;
import io.vecforge.faiss.IndexBytes;
import io.vecforge.faiss.Metric;
import io.vecforge.faiss.Neighbours;
import io.vecforge.faiss.SearchResult;
import io.vecforge.testing.TestVectors;
import io.vecforge.writer.shard.ExactNeighbourSearch;
import io.vecforge.writer.shard.ShardBuilder;
import io.vecforge.writer.shard.ShardResult;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * A real, published bundle written without Spark: the same stages and manifest fields as
 * io.vecforge.jobs.BuildJob, on 3000 x 16 clustered vectors in 3 shards.
 */
public final class TestBundle {
    public static final String INDEX_NAME = "test-index";
    public static final String FACTORY = "IVF16,PQ4np";
    public static final int D = 16;
    public static final int ROWS = 3000;
    public static final int SHARDS = 3;
    public static final int QUERIES = 50;
    public static final int K = 10;
    public static final int NPROBE = 4;
    public static final double MIN_RECALL = 0.5;
    private static final int BATCH_ROWS = 256;
    private static final ObjectMapper JSON = new ObjectMapper();

    public final java.nio.file.Path localRoot;
    public final BundleStorage storage;
    public final BundleLayout layout;
    public final Path versionDir;
    final long[] ids = new long[ROWS];
    final float[] vectors = TestVectors.clustered(ROWS, D, 21);
    /** The manifest as last written; {@link #edit} replaces it. */
    public Manifest manifest;
    private final String version;
    /** Recall the fixture measured itself, searching each shard as it was written. */
    double recall;
    private byte[] trained;

    private final String factory;

    private TestBundle(java.nio.file.Path localRoot, String factory) throws IOException {
        this.localRoot = localRoot;
        this.factory = factory;
        Path root = new Path(localRoot.resolve("bundles").toUri());
        this.storage = BundleStorage.forUri(root.toUri(), new Configuration());
        this.layout = new BundleLayout(root, INDEX_NAME);
        String version = Versions.newVersionId(java.time.LocalDate.now(java.time.ZoneOffset.UTC), Instant.now());
        this.versionDir = storage.qualify(layout.versionDir(version));
        this.version = version;
        for (int i = 0; i < ROWS; i++) {
            ids[i] = 10_000L + 3L * i;
        }
    }

    /** Writes a complete, valid bundle version under dir. */
    public static TestBundle write(java.nio.file.Path dir) throws IOException {
        return write(dir, FACTORY);
    }

    /** The same bundle of another factory (over the same 3,000 rows of 16 dimensions). */
    public static TestBundle write(java.nio.file.Path dir, String factory) throws IOException {
        TestBundle bundle = new TestBundle(dir, factory);
        bundle.build();
        return bundle;
    }

    private void build() throws IOException {
        storage.mkdirs(versionDir);
        List<Manifest.BundleFile> files = new ArrayList<>();
        List<Manifest.Shard> shards = new ArrayList<>();
        String faissMinReader;

        try (FaissIndex index = FaissIndex.create(D, factory, Metric.L2)) {
            index.train(vectors, ROWS);
            trained = IndexBytes.of(index);
            faissMinReader = io.vecforge.faiss.FaissReaders.minimumReader(index.components(),
                    FaissIndex.faissVersion());
        }
        files.add(new Manifest.BundleFile(FileRole.TRAINED_INDEX, BundleLayout.TRAINED_INDEX,
                upload(BundleLayout.TRAINED_INDEX, local -> Files.write(local, trained))));

        float[] queries = new float[QUERIES * D];
        for (int q = 0; q < QUERIES; q++) {
            System.arraycopy(vectors, (q * 60 + 1) * D, queries, q * D, D); // hold-out queries picked from the input
        }
        files.add(new Manifest.BundleFile(FileRole.HOLDOUT_QUERIES, BundleLayout.QUERIES,
                upload(BundleLayout.QUERIES, local -> Fvecs.write(local, queries, QUERIES, D))));

        Neighbours exact = new Neighbours(QUERIES, K, true);
        Neighbours found = new Neighbours(QUERIES, K, true);
        for (int s = 0; s < SHARDS; s++) {
            java.nio.file.Path local = Files.createTempFile(localRoot, "shard-", ".faiss");
            ShardResult result;
            try (ShardBuilder builder = new ShardBuilder(s, SHARDS, IndexBytes.load(trained), BATCH_ROWS,
                    new ExactNeighbourSearch(queries, D, Metric.L2, K))) {
                for (int i = 0; i < ROWS; i++) {
                    if (ShardAssignment.shardOf(ids[i], SHARDS) == s) {
                        builder.add(ids[i], Arrays.copyOfRange(vectors, i * D, (i + 1) * D));
                    }
                }
                result = builder.finish(local);
            }
            try (FaissIndex shard = FaissIndex.read(local)) {
                shard.setNprobe(NPROBE);
                SearchResult hits = shard.search(queries, QUERIES, K);
                for (int q = 0; q < QUERIES; q++) {
                    for (int r = 0; r < K; r++) {
                        found.offer(q, hits.label(q, r), hits.distance(q, r));
                    }
                }
            }
            FileDigest digest = storage.upload(local, new Path(versionDir, BundleLayout.shardFileName(s)));
            Files.delete(local);
            shards.add(new Manifest.Shard(s, BundleLayout.shardFileName(s), result.rows(), digest.bytes(),
                    digest.crc32cHex(), result.minId(), result.maxId()));
            exact.merge(result.exactNeighbours());
        }
        files.add(new Manifest.BundleFile(FileRole.HOLDOUT_GROUND_TRUTH, BundleLayout.GROUND_TRUTH,
                upload(BundleLayout.GROUND_TRUTH, local -> Fvecs.writeLongs(local, exact.ids(), QUERIES, K))));
        recall = found.recallAgainst(exact);

        Map<String, Long> timings = new LinkedHashMap<>();
        timings.put("train", 1L);
        timings.put("shards", 2L);
        manifest = new Manifest(Manifest.FORMAT_VERSION, INDEX_NAME, version, null, Instant.now().toString(),
                Versions.vecforge(), FaissIndex.faissVersion(), faissMinReader,
                new Manifest.Source(localRoot.resolve("input").toUri().toString(), ROWS, "id", "vector"), null, null,
                new Manifest.Vectors(D, Metric.L2, factory, null),
                new Manifest.Training(ROWS, 7, BundleLayout.TRAINED_INDEX, null, null, null, null, null, null, null),
                new Manifest.Sharding(SHARDS, null), shards, files, null,
                new Manifest.Validation(BundleLayout.QUERIES, BundleLayout.GROUND_TRUTH, QUERIES, K, NPROBE, MIN_RECALL,
                        recall, K, null), null, null, timings, null, null);
        writeManifest();
        storage.write(file(BundleLayout.SUCCESS), io.vecforge.bundle.Completion.marker(manifest.toJson()));
        storage.write(layout.latest(), (version + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    public Path file(String name) {
        return new Path(versionDir, name);
    }

    /** The bundle file as a local path (the storage is the local file system). */
    public java.nio.file.Path local(String name) {
        return java.nio.file.Path.of(file(name).toUri());
    }

    /**
     * Tampers with the manifest as JSON, then rewrites it and a _SUCCESS that vouches for it: what a
     * hand-edited or forged manifest looks like to the readers.
     */
    public void edit(Consumer<ObjectNode> change) throws IOException {
        ObjectNode tree = (ObjectNode) JSON.readTree(manifest.toJson());
        change.accept(tree);
        manifest = Manifest.fromJson(JSON.writeValueAsBytes(tree));
        writeManifest();
    }

    /** {@link #edit} of one value, named by a JSON pointer such as /shards/0/file. */
    public void set(String pointer, Object value) throws IOException {
        JsonPointer path = JsonPointer.compile(pointer);
        edit(tree -> {
            JsonNode parent = tree.at(path.head());
            JsonNode node = JSON.valueToTree(value);
            if (parent instanceof ArrayNode array) {
                array.set(path.last().getMatchingIndex(), node);
            } else {
                ((ObjectNode) parent).set(path.last().getMatchingProperty(), node);
            }
        });
    }

    /** Rewrites manifest.json and a _SUCCESS that vouches for it, as a build completing would. */
    public void writeManifest() throws IOException {
        byte[] json = manifest.toJson();
        storage.write(file(Manifest.FILE_NAME), json);
        if (storage.exists(file(BundleLayout.SUCCESS))) {
            storage.write(file(BundleLayout.SUCCESS), io.vecforge.bundle.Completion.marker(json));
        }
    }

    long[] idsOfShard(int shard) {
        return Arrays.stream(ids).filter(id -> ShardAssignment.shardOf(id, SHARDS) == shard).toArray();
    }

    float[] vectorOf(long id) {
        int i = (int) ((id - 10_000L) / 3);
        return Arrays.copyOfRange(vectors, i * D, (i + 1) * D);
    }

    /**
     * Replaces a shard with one holding exactly these rows, added straight to a copy of the trained
     * index (no ShardBuilder checks), and gives it a correct manifest entry: real rows, size, CRC32C
     * and id range.
     */
    void replaceShard(int shard, long[] shardIds) throws IOException {
        float[] shardVectors = new float[shardIds.length * D];
        for (int i = 0; i < shardIds.length; i++) {
            System.arraycopy(vectorOf(shardIds[i]), 0, shardVectors, i * D, D);
        }
        String name = BundleLayout.shardFileName(shard);
        FileDigest digest = upload(name, local -> {
            try (FaissIndex index = IndexBytes.load(trained)) {
                index.addWithIds(shardVectors, shardIds, shardIds.length);
                index.write(local);
            }
        });
        long[] sorted = shardIds.clone();
        Arrays.sort(sorted);
        Manifest.Shard entry = new Manifest.Shard(shard, name, shardIds.length, digest.bytes(), digest.crc32cHex(),
                sorted[0], sorted[sorted.length - 1]);
        edit(tree -> ((ArrayNode) tree.get("shards")).set(shard, JSON.valueToTree(entry)));
    }

    private interface LocalWriter {
        void write(java.nio.file.Path local) throws IOException;
    }

    private FileDigest upload(String name, LocalWriter writer) throws IOException {
        java.nio.file.Path local = Files.createTempFile(localRoot, "upload-", ".tmp");
        try {
            writer.write(local);
            return storage.upload(local, file(name));
        } finally {
            Files.deleteIfExists(local);
        }
    }
}
