package io.vecforge.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleStorageTest {
    @TempDir
    java.nio.file.Path dir;

    private BundleStorage storage;
    private Path root;

    @BeforeEach
    void open() throws IOException {
        root = new Path(dir.toUri());
        storage = BundleStorage.forUri(root.toUri(), new Configuration());
    }

    @Test
    void uploadReturnsTheSizeAndCrc32cOfTheBytes() throws IOException {
        byte[] content = randomBytes(3 * (1 << 20) + 123, 1); // more than one copy buffer
        java.nio.file.Path local = Files.write(Files.createTempFile(dir, "local", ".bin"), content);
        Path target = new Path(root, "v1/shard-00000.faiss");

        FileDigest digest = storage.upload(local, target);

        assertEquals(content.length, digest.bytes());
        assertEquals(crc32c(content), digest.crc32c());
        assertEquals(String.format("%08x", crc32c(content)), digest.crc32cHex());
        assertArrayEquals(content, Files.readAllBytes(dir.resolve("v1/shard-00000.faiss")));
        assertEquals(digest, storage.digest(target));
        assertEquals(content.length, storage.length(target));
    }

    @Test
    void uploadReplacesAnExistingFile() throws IOException {
        Path target = new Path(root, "v1/file.bin");
        storage.write(target, randomBytes(1000, 2));
        byte[] content = randomBytes(10, 3);
        java.nio.file.Path local = Files.write(Files.createTempFile(dir, "local", ".bin"), content);

        storage.upload(local, target);

        assertArrayEquals(content, storage.read(target));
        assertEquals(List.of("file.bin"), names(dir.resolve("v1")));
    }

    @Test
    void writeLeavesOnlyTheTargetBehind() throws IOException {
        byte[] content = "{\"a\": 1}".getBytes(StandardCharsets.UTF_8);
        Path target = new Path(root, "v1/manifest.json");

        FileDigest digest = storage.write(target, content);
        storage.write(new Path(root, "v1/_SUCCESS"), new byte[0]);

        assertEquals(new FileDigest(content.length, crc32c(content)), digest);
        assertArrayEquals(content, storage.read(target));
        assertEquals(List.of("_SUCCESS", "manifest.json"), names(dir.resolve("v1")));
    }

    @Test
    void readPointerIsEmptyWithoutLatest() throws IOException {
        assertEquals(Optional.empty(), storage.readPointer(new Path(root, "index/LATEST")));
    }

    @Test
    void writeReplacesAPointer() throws IOException {
        Path latest = new Path(root, "index/LATEST");
        storage.write(latest, "20260101T000000Z-aaaaaa\n".getBytes(StandardCharsets.UTF_8));
        assertEquals(Optional.of("20260101T000000Z-aaaaaa"), storage.readPointer(latest));

        storage.write(latest, "20260102T000000Z-bbbbbb\n".getBytes(StandardCharsets.UTF_8));

        assertEquals(Optional.of("20260102T000000Z-bbbbbb"), storage.readPointer(latest));
        assertEquals("20260102T000000Z-bbbbbb\n",
                Files.readString(dir.resolve("index/LATEST"), StandardCharsets.UTF_8));
        assertEquals(List.of("LATEST"), names(dir.resolve("index")));
    }

    @Test
    void noCrcSideFilesOnLocalPaths() throws IOException {
        java.nio.file.Path local = Files.write(Files.createTempFile(dir, "local", ".bin"), randomBytes(100, 4));
        storage.upload(local, new Path(root, "v1/trained.faiss"));
        storage.write(new Path(root, "v1/manifest.json"), new byte[] {'{', '}'});
        storage.write(new Path(root, "LATEST"), "v1\n".getBytes(StandardCharsets.UTF_8));

        try (Stream<java.nio.file.Path> all = Files.walk(dir)) {
            List<String> crcFiles = all.map(p -> p.getFileName().toString())
                    .filter(name -> name.endsWith(".crc")).collect(Collectors.toList());
            assertEquals(List.of(), crcFiles);
        }
    }

    @Test
    void deleteAndExists() throws IOException {
        Path file = new Path(root, "v1/holdout/queries.fvecs");
        storage.write(file, new byte[] {1, 2, 3});
        assertTrue(storage.exists(file));

        storage.delete(new Path(root, "v1"));

        assertFalse(storage.exists(file));
        assertFalse(Files.exists(dir.resolve("v1")));
    }

    private static List<String> names(java.nio.file.Path directory) throws IOException {
        try (Stream<java.nio.file.Path> files = Files.list(directory)) {
            return files.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    private static long crc32c(byte[] content) {
        CRC32C crc = new CRC32C();
        crc.update(content);
        return crc.getValue();
    }

    private static byte[] randomBytes(int n, long seed) {
        byte[] out = new byte[n];
        new Random(seed).nextBytes(out);
        return out;
    }
}
