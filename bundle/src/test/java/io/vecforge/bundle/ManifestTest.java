package io.vecforge.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecforge.bundle.Manifest.FileRole;
import io.vecforge.faiss.Metric;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ManifestTest {

    @Test
    void jsonRoundTripKeepsEveryField() {
        Manifest original = sample();

        byte[] json = original.toJson();
        Manifest read = Manifest.fromJson(json);

        assertEquals(Manifest.FORMAT_VERSION, read.formatVersion());
        assertEquals("products", read.indexName());
        assertEquals("20260101T000000Z-abcdef", read.version());
        assertEquals("2026-01-01T00:10:00Z", read.createdAt());
        assertEquals("0.1.0", read.vecforgeVersion());
        assertEquals("1.7.4", read.faissVersion());
        assertEquals("file:/data/in", read.source().path());
        assertEquals(12_345L, read.source().acceptedRows());
        assertEquals("id", read.source().idColumn());
        assertEquals("embedding", read.source().vectorColumn());
        assertEquals(64, read.vectors().dimension());
        assertEquals(Metric.INNER_PRODUCT, read.vectors().metric());
        assertEquals("IVF256,PQ16", read.vectors().factory());
        assertEquals(16_384L, read.training().sampleRows());
        assertEquals(42L, read.training().seed());
        assertEquals("trained.faiss", read.training().trainedIndexFile());
        assertEquals(2, read.sharding().shards());
        assertEquals(ShardAssignment.NAME, read.sharding().partitioner());

        assertEquals(2, read.shards().size());
        Manifest.Shard shard = read.shards().get(1);
        assertEquals(1, shard.shard());
        assertEquals("shard-00001.faiss", shard.file());
        assertEquals(6000L, shard.rows());
        assertEquals(99_999L, shard.bytes());
        assertEquals("0000beef", shard.crc32c());
        assertEquals(5L, shard.minId());
        assertEquals(Long.MAX_VALUE, shard.maxId());
        assertNull(read.shards().get(0).minId());
        assertEquals(12_345L, read.shardRows());

        assertEquals(1, read.files().size());
        Manifest.BundleFile file = read.file(FileRole.TRAINED_INDEX);
        assertEquals("trained.faiss", file.file());
        assertEquals(777L, file.bytes());
        assertEquals("deadbeef", file.crc32c());
        assertNull(read.file(FileRole.ID_MAP));

        assertEquals("holdout/queries.fvecs", read.validation().queriesFile());
        assertEquals("holdout/groundtruth.i64vecs", read.validation().groundTruthFile());
        assertEquals(100, read.validation().queries());
        assertEquals(10, read.validation().k());
        assertEquals(32, read.validation().nprobe());
        assertEquals(0.85, read.validation().minRecall());
        assertEquals(0.9125, read.validation().recall());
        assertEquals(Map.of("read", 10L, "train", 2000L), read.timingsMillis());
        assertEquals(List.of("read", "train"), List.copyOf(read.timingsMillis().keySet()));

        assertArrayEquals(json, read.toJson());
    }

    @Test
    void unmeasuredRecallStaysNull() {
        String json = new String(sample().toJson(), StandardCharsets.UTF_8).replace("\"recall\" : 0.9125", "\"recall\" : null");
        assertNull(Manifest.fromJson(json.getBytes(StandardCharsets.UTF_8)).validation().recall());
    }

    @Test
    void aManifestCannotBeChangedOnceAssembled() {
        Manifest manifest = sample();
        assertThrows(UnsupportedOperationException.class, () -> manifest.shards().clear());
        assertThrows(UnsupportedOperationException.class, () -> manifest.timingsMillis().put("x", 1L));
        assertThrows(UnsupportedOperationException.class, () -> manifest.accounting().rejected().put("x", 1L));
    }

    @Test
    void typedFieldsAreWrittenAsTheConfigNamesThem() {
        String json = new String(sample().toJson(), StandardCharsets.UTF_8);
        assertTrue(json.contains("\"metric\" : \"ip\""), json);
        assertTrue(json.contains("\"role\" : \"trained-index\""), json);
        Manifest gpu = Manifest.fromJson(("{\"training\": {\"trainer\": \"gpu\"}, \"accounting\":"
                + " {\"duplicatePolicy\": \"keep-latest\"}}").getBytes(StandardCharsets.UTF_8));
        assertEquals(Manifest.Trainer.GPU, gpu.training().trainer());
        assertEquals(DuplicatePolicy.KEEP_LATEST, gpu.accounting().duplicatePolicy());
    }

    @Test
    void anUnknownMetricOrRoleOrANullEntryIsRefused() {
        for (String bad : new String[] {"{\"vectors\": {\"metric\": \"manhattan\"}}",
            "{\"files\": [{\"role\": \"anything\", \"file\": \"x\"}]}", "{\"shards\": [null]}"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Manifest.fromJson(bad.getBytes(StandardCharsets.UTF_8)), bad);
            assertTrue(e.getMessage().startsWith("manifest.json is not a valid manifest"), e.getMessage());
        }
    }

    @Test
    void unknownFieldsAreIgnored() {
        String json = "{\"formatVersion\": 1, \"indexName\": \"products\", \"comesLater\": {\"x\": [1, 2]},"
                + " \"vectors\": {\"dimension\": 8, \"metric\": \"l2\", \"newOption\": true},"
                + " \"shards\": [{\"shard\": 0, \"file\": \"shard-00000.faiss\", \"rows\": 3, \"extra\": 1}]}";

        Manifest read = Manifest.fromJson(json.getBytes(StandardCharsets.UTF_8));

        assertEquals("products", read.indexName());
        assertEquals(8, read.vectors().dimension());
        assertEquals(Metric.L2, read.vectors().metric());
        assertEquals(3L, read.shards().get(0).rows());
        assertEquals(ShardAssignment.NAME, read.sharding().partitioner());
    }

    @Test
    void invalidJsonIsAnIllegalArgument() {
        for (String bad : new String[] {"{not json", "", "[1, 2]", "{\"vectors\": {\"dimension\": \"x\"}}", "null"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Manifest.fromJson(bad.getBytes(StandardCharsets.UTF_8)), bad);
            assertTrue(e.getMessage().startsWith("manifest.json is not a valid manifest"), e.getMessage());
        }
    }

    private static Manifest sample() {
        List<Manifest.Shard> shards = List.of(
                new Manifest.Shard(0, BundleLayout.shardFileName(0), 6345, 99_999, "0000beef", null, null),
                new Manifest.Shard(1, BundleLayout.shardFileName(1), 6000, 99_999, "0000beef", 5L, Long.MAX_VALUE));
        Map<String, Long> timings = new LinkedHashMap<>();
        timings.put("read", 10L);
        timings.put("train", 2000L);
        return new Manifest(Manifest.FORMAT_VERSION, "products", "20260101T000000Z-abcdef", null,
                "2026-01-01T00:10:00Z", "0.1.0", "1.7.4", null,
                new Manifest.Source("file:/data/in", 12_345, "id", "embedding"), null, null,
                new Manifest.Vectors(64, Metric.INNER_PRODUCT, "IVF256,PQ16", null),
                new Manifest.Training(16_384, 42, "trained.faiss", null, null, null, null, null, null, null),
                new Manifest.Sharding(2, null), shards,
                List.of(new Manifest.BundleFile(FileRole.TRAINED_INDEX, "trained.faiss", new FileDigest(777, 0xdeadbeefL))),
                null, new Manifest.Validation(BundleLayout.QUERIES, BundleLayout.GROUND_TRUTH, 100, 10, 32, 0.85, 0.9125, 10, 1.25),
                null, null, timings, null, null);
    }
}
