package io.vecforge.bundle;

import io.vecforge.bundle.s3.S3BundleStorage;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * The shared storage that holds bundles: the seam between the bundle format and a file system.
 * Every caller goes through it; none reaches the file system underneath. What an implementation
 * must guarantee, and how an object store (S3) can, is in docs/bundle-format.md#storage:
 * <ul>
 * <li><b>atomic replace</b>: {@link #write} and {@link #upload} make the whole new content appear
 *     at once under the target name, or nothing (readers never see a partial file);
 * <li><b>listing</b> and reads that see every completed write (read-after-write consistency).
 * </ul>
 * Moves of LATEST are not plain I/O: each storage brings the {@link CommitOperations} that makes
 * them atomic on it ({@link #commitOperations}).
 */
public interface BundleStorage {
    /**
     * The storage for a URI: {@link S3BundleStorage} for s3:// and s3a:// (conditional PUTs),
     * {@link HadoopBundleStorage} for the file systems whose rename and exclusive create are atomic
     * (file://, hdfs://, viewfs://). Any other scheme (gs://, abfs://, …) is refused until a
     * {@link CommitOperations} for it exists.
     */
    static BundleStorage forUri(URI uri, Configuration conf) throws IOException {
        if (S3BundleStorage.handles(uri)) {
            return S3BundleStorage.forUri(uri, conf);
        }
        return HadoopBundleStorage.forUri(uri, conf);
    }

    /** How LATEST of an index on this storage is moved atomically. */
    CommitOperations commitOperations(BundleLayout layout);

    /** Whether a file name is one of the temporary names writes go through. */
    static boolean isTemporary(String name) {
        return HadoopBundleStorage.isTemporary(name);
    }

    Path qualify(Path path);

    boolean exists(Path path) throws IOException;

    /** Atomic replace: target holds bytes, or its old content if this fails. */
    FileDigest write(Path target, byte[] content) throws IOException;

    /** Atomic replace of target by a local file's bytes, computing their digest on the way. */
    default FileDigest upload(java.nio.file.Path local, Path target) throws IOException {
        return upload(local, target, target.getParent());
    }

    /** As {@link #upload(java.nio.file.Path, Path)}, staging the copy in scratchDir (same file system). */
    FileDigest upload(java.nio.file.Path local, Path target, Path scratchDir) throws IOException;

    /** Opens a file for reading from {@code offset}. */
    InputStream open(Path path, long offset) throws IOException;

    default byte[] read(Path path) throws IOException {
        try (InputStream in = open(path, 0)) {
            return in.readAllBytes();
        }
    }

    default FileDigest digest(Path path) throws IOException {
        try (InputStream in = open(path, 0)) {
            return FileDigest.of(in);
        }
    }

    void download(Path source, java.nio.file.Path local) throws IOException;

    long length(Path path) throws IOException;

    long modificationTime(Path path) throws IOException;

    /** The entries of a directory; empty if it does not exist. */
    List<StorageEntry> list(Path dir) throws IOException;

    /** Whether the path is a symbolic link (false on stores without links). */
    boolean isSymlink(Path path) throws IOException;

    void mkdirs(Path dir) throws IOException;

    /** Deletes a file or a directory with everything in it; nothing if absent. */
    void delete(Path path) throws IOException;

    /** The raw content of a pointer file (LATEST, a run record), if any: check it with {@link VersionName}. */
    default Optional<String> readPointer(Path pointer) throws IOException {
        try {
            String value = new String(read(pointer), StandardCharsets.UTF_8).trim();
            return value.isEmpty() ? Optional.empty() : Optional.of(value);
        } catch (FileNotFoundException e) {
            return Optional.empty();
        }
    }
}
