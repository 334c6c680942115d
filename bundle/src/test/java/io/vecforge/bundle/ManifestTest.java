package io.vecforge.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ManifestTest {

    @Test
    void jsonRoundTripKeepsEveryField() {
        Manifest original = sample();

        byte[] json = original.toJson();
        Manifest read = Manifest.fromJson(json);

        assertEquals(Manifest.FORMAT_VERSION, read.formatVersion);
        assertEquals("products", read.indexName);
        assertEquals("20260101T000000Z-abcdef", read.version);
        assertEquals("2026-01-01T00:10:00Z", read.createdAt);
        assertEquals("0.1.0", read.vecforgeVersion);
        assertEquals("1.7.4", read.faissVersion);
        assertEquals("file:/data/in", read.source.path);
        assertEquals(12_345L, read.source.acceptedRows);
        assertEquals("id", read.source.idColumn);
        assertEquals("embedding", read.source.vectorColumn);
        assertEquals(64, read.vectors.dimension);
        assertEquals("ip", read.vectors.metric);
        assertEquals("IVF256,PQ16", read.vectors.factory);
        assertEquals(16_384L, read.training.sampleRows);
        assertEquals(42L, read.training.seed);
        assertEquals("trained.faiss", read.training.trainedIndexFile);
        assertEquals(2, read.sharding.shards);
        assertEquals(ShardAssignment.NAME, read.sharding.partitioner);

        assertEquals(2, read.shards.size());
        Manifest.Shard shard = read.shards.get(1);
        assertEquals(1, shard.shard);
        assertEquals("shard-00001.faiss", shard.file);
        assertEquals(6000L, shard.rows);
        assertEquals(99_999L, shard.bytes);
        assertEquals("0000beef", shard.crc32c);
        assertEquals(5L, shard.minId);
        assertEquals(Long.MAX_VALUE, shard.maxId);
        assertNull(read.shards.get(0).minId);
        assertEquals(12_345L, read.shardRows());

        assertEquals(1, read.files.size());
        Manifest.BundleFile file = read.file("trained-index");
        assertEquals("trained.faiss", file.file);
        assertEquals(777L, file.bytes);
        assertEquals("deadbeef", file.crc32c);
        assertNull(read.file("no-such-role"));

        assertEquals("holdout/queries.fvecs", read.validation.queriesFile);
        assertEquals("holdout/groundtruth.i64vecs", read.validation.groundTruthFile);
        assertEquals(100, read.validation.queries);
        assertEquals(10, read.validation.k);
        assertEquals(32, read.validation.nprobe);
        assertEquals(0.85, read.validation.minRecall);
        assertEquals(0.9125, read.validation.recall);
        assertEquals(Map.of("read", 10L, "train", 2000L), read.timingsMillis);
        assertEquals(List.of("read", "train"), List.copyOf(read.timingsMillis.keySet()));

        assertArrayEquals(json, read.toJson());
    }

    @Test
    void unmeasuredRecallStaysNull() {
        Manifest manifest = sample();
        manifest.validation.recall = null;
        assertNull(Manifest.fromJson(manifest.toJson()).validation.recall);
    }

    @Test
    void unknownFieldsAreIgnored() {
        String json = "{\"formatVersion\": 1, \"indexName\": \"products\", \"comesLater\": {\"x\": [1, 2]},"
                + " \"vectors\": {\"dimension\": 8, \"metric\": \"l2\", \"newOption\": true},"
                + " \"shards\": [{\"shard\": 0, \"file\": \"shard-00000.faiss\", \"rows\": 3, \"extra\": 1}]}";

        Manifest read = Manifest.fromJson(json.getBytes(StandardCharsets.UTF_8));

        assertEquals("products", read.indexName);
        assertEquals(8, read.vectors.dimension);
        assertEquals("l2", read.vectors.metric);
        assertEquals(3L, read.shards.get(0).rows);
        assertEquals(ShardAssignment.NAME, read.sharding.partitioner);
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
        Manifest manifest = new Manifest();
        manifest.indexName = "products";
        manifest.version = "20260101T000000Z-abcdef";
        manifest.createdAt = "2026-01-01T00:10:00Z";
        manifest.vecforgeVersion = "0.1.0";
        manifest.faissVersion = "1.7.4";
        manifest.source.path = "file:/data/in";
        manifest.source.acceptedRows = 12_345;
        manifest.source.idColumn = "id";
        manifest.source.vectorColumn = "embedding";
        manifest.vectors.dimension = 64;
        manifest.vectors.metric = "ip";
        manifest.vectors.factory = "IVF256,PQ16";
        manifest.training.sampleRows = 16_384;
        manifest.training.seed = 42;
        manifest.training.trainedIndexFile = "trained.faiss";
        manifest.sharding.shards = 2;
        for (int s = 0; s < 2; s++) {
            Manifest.Shard shard = new Manifest.Shard();
            shard.shard = s;
            shard.file = BundleLayout.shardFileName(s);
            shard.rows = s == 0 ? 6345 : 6000;
            shard.bytes = 99_999;
            shard.crc32c = "0000beef";
            shard.minId = s == 0 ? null : 5L;
            shard.maxId = s == 0 ? null : Long.MAX_VALUE;
            manifest.shards.add(shard);
        }
        manifest.files.add(new Manifest.BundleFile("trained-index", "trained.faiss", new FileDigest(777, 0xdeadbeefL)));
        manifest.validation.queriesFile = BundleLayout.QUERIES;
        manifest.validation.groundTruthFile = BundleLayout.GROUND_TRUTH;
        manifest.validation.queries = 100;
        manifest.validation.k = 10;
        manifest.validation.nprobe = 32;
        manifest.validation.minRecall = 0.85;
        manifest.validation.recall = 0.9125;
        manifest.timingsMillis.put("read", 10L);
        manifest.timingsMillis.put("train", 2000L);
        return manifest;
    }
}
