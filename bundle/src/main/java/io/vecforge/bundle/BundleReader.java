package io.vecforge.bundle;

import io.vecforge.Failure;
import io.vecforge.faiss.FaissIndex;
import io.vecforge.faiss.Metric;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Optional;
import org.apache.hadoop.fs.Path;

/**
 * One version of a bundle, read through its storage: the one definition of complete, its
 * manifest, and the file and shard checks that validate, publish, pull and search share.
 */
public final class BundleReader {
    /** What is wrong with one file of the bundle, as a {@link Failure} of `vecforge validate`. */
    public record FileProblem(Failure failure, String message) {}

    private final BundleStorage storage;
    private final Path versionDir;
    private byte[] manifestJson;
    private Manifest manifest;

    public BundleReader(BundleStorage storage, Path versionDir) {
        this.storage = storage;
        this.versionDir = versionDir;
    }

    public BundleStorage storage() {
        return storage;
    }

    public Path versionDir() {
        return versionDir;
    }

    public Path file(String name) {
        return new Path(versionDir, name);
    }

    /** The manifest's bytes, read once: every later check is about these bytes. */
    public byte[] manifestBytes() throws IOException {
        if (manifestJson == null) {
            manifestJson = storage.read(file(Manifest.FILE_NAME));
        }
        return manifestJson;
    }

    public Manifest manifest() throws IOException {
        if (manifest == null) {
            manifest = Manifest.fromJson(manifestBytes());
        }
        return manifest;
    }

    public boolean hasManifest() throws IOException {
        return manifestJson != null || storage.exists(file(Manifest.FILE_NAME));
    }

    /**
     * The one definition of a complete version: its _SUCCESS holds the SHA-256 of the manifest
     * bytes this reader read ({@link Completion}). Publish, validate, search, inspect and pull ask this.
     */
    public boolean isComplete() throws IOException {
        try {
            return Completion.matches(storage.read(file(BundleLayout.SUCCESS)), manifestBytes());
        } catch (FileNotFoundException missing) {
            return false;
        }
    }

    /** A file's presence, size and CRC32C against what the manifest records. */
    public Optional<FileProblem> verifyFile(String name, long bytes, String crc32c) throws IOException {
        Optional<FileProblem> absent = verifyPresence(name, bytes);
        return absent.isPresent() ? absent : compare(storage.digest(file(name)), bytes, crc32c);
    }

    /** A file's presence and size against what the manifest records (its content unread). */
    public Optional<FileProblem> verifyPresence(String name, long bytes) throws IOException {
        Path path = file(name);
        if (!storage.exists(path)) {
            return Optional.of(new FileProblem(Failure.MISSING_FILE, "missing"));
        }
        long length = storage.length(path);
        return length == bytes ? Optional.empty() : Optional.of(sizeProblem(length, bytes));
    }

    /**
     * Copies a file to {@code local} and checks the copy's size and CRC32C, taken on the way, against what the
     * manifest records: what a reader then loads from {@code local} is what was checked, and the file is read once.
     */
    public Optional<FileProblem> downloadVerified(String name, long bytes, String crc32c, java.nio.file.Path local)
            throws IOException {
        Optional<FileProblem> absent = verifyPresence(name, bytes);
        if (absent.isPresent()) {
            return absent;
        }
        try (InputStream in = storage.open(file(name), 0);
                OutputStream out = java.nio.file.Files.newOutputStream(local)) {
            return compare(FileDigest.copy(in, out), bytes, crc32c);
        }
    }

    /** A digest (of a remote or a downloaded copy) against what the manifest records. */
    public static Optional<FileProblem> compare(FileDigest actual, long bytes, String crc32c) {
        if (actual.bytes() != bytes) {
            return Optional.of(sizeProblem(actual.bytes(), bytes));
        }
        if (!actual.crc32cHex().equals(crc32c)) {
            return Optional.of(new FileProblem(Failure.CHECKSUM_MISMATCH,
                    "CRC32C " + actual.crc32cHex() + ", manifest says " + crc32c));
        }
        return Optional.empty();
    }

    /** The one check of a loaded shard against the manifest: dimension, metric, row count, IVF. */
    public static Optional<String> checkShard(FaissIndex index, Manifest manifest, Manifest.Shard shard) {
        Metric metric = manifest.vectors().metric();
        if (metric == null) {
            return Optional.of("cannot be checked: the manifest names no metric");
        }
        if (index.dimension() != manifest.vectors().dimension()) {
            return Optional.of("dimension " + index.dimension() + ", manifest says " + manifest.vectors().dimension());
        }
        if (index.metric().faissCode() != metric.faissCode()) {
            return Optional.of("metric " + index.metric().configName() + ", manifest says " + metric.configName());
        }
        if (index.ntotal() != shard.rows()) {
            return Optional.of("holds " + index.ntotal() + " vectors, manifest says " + shard.rows());
        }
        if (!index.isIvf()) {
            return Optional.of("is not an IVF index");
        }
        return Optional.empty();
    }

    private static FileProblem sizeProblem(long actual, long expected) {
        return new FileProblem(Failure.SIZE_MISMATCH, "size " + actual + " bytes, manifest says " + expected);
    }
}
