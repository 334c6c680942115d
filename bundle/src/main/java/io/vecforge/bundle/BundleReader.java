package io.vecforge.bundle;

import io.vecforge.Failure;
import io.vecforge.faiss.FaissIndex;
import io.vecforge.faiss.Metric;
import java.io.FileNotFoundException;
import java.io.IOException;
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
        Path path = file(name);
        if (!storage.exists(path)) {
            return Optional.of(new FileProblem(Failure.MISSING_FILE, "missing"));
        }
        long length = storage.length(path);
        if (length != bytes) {
            return Optional.of(sizeProblem(length, bytes));
        }
        return compare(storage.digest(path), bytes, crc32c);
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
