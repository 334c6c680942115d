package io.vecforge.bundle;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.util.Optional;
import java.util.UUID;
import java.util.zip.CRC32C;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;

/**
 * File operations on the shared storage that holds bundles (any Hadoop FileSystem). Every write
 * lands under a temporary name and is renamed into place, so readers never see a partial file.
 */
public final class BundleStorage {
    private static final int BUFFER = 1 << 20;
    private static final String TEMPORARY_MARK = ".tmp-";

    private final FileSystem fs;
    private final Configuration conf;

    public BundleStorage(FileSystem fs, Configuration conf) {
        // The checksumming local FileSystem would litter bundles with .crc side files; we keep our own CRC32C.
        this.fs = fs instanceof LocalFileSystem local ? local.getRaw() : fs;
        this.conf = conf;
    }

    public static BundleStorage forUri(URI uri, Configuration conf) throws IOException {
        return new BundleStorage(FileSystem.get(uri, conf), conf);
    }

    public FileSystem fileSystem() {
        return fs;
    }

    public Path qualify(Path path) {
        return fs.makeQualified(path);
    }

    public boolean exists(Path path) throws IOException {
        return fs.exists(path);
    }

    /** Copies a local file to target, computing its digest on the way; replaces target atomically. */
    public FileDigest upload(java.nio.file.Path local, Path target) throws IOException {
        return upload(local, target, target.getParent());
    }

    /**
     * As {@link #upload(java.nio.file.Path, Path)}, writing the temporary copy in scratchDir (on
     * the same file system) so that a writer killed mid-copy leaves nothing next to target.
     */
    public FileDigest upload(java.nio.file.Path local, Path target, Path scratchDir) throws IOException {
        Path temporary = new Path(scratchDir, temporaryName(target));
        CRC32C crc = new CRC32C();
        long bytes = 0;
        try (InputStream in = Files.newInputStream(local);
                FSDataOutputStream out = fs.create(temporary, false)) {
            byte[] buffer = new byte[BUFFER];
            for (int read; (read = in.read(buffer)) > 0; ) {
                crc.update(buffer, 0, read);
                out.write(buffer, 0, read);
                bytes += read;
            }
        } catch (IOException | RuntimeException e) {
            fs.delete(temporary, false);
            throw e;
        }
        replace(temporary, target);
        return new FileDigest(bytes, crc.getValue());
    }

    /** Writes bytes to target atomically. */
    public FileDigest write(Path target, byte[] content) throws IOException {
        Path temporary = temporarySibling(target);
        try (OutputStream out = fs.create(temporary, false)) {
            out.write(content);
        } catch (IOException | RuntimeException e) {
            fs.delete(temporary, false);
            throw e;
        }
        replace(temporary, target);
        CRC32C crc = new CRC32C();
        crc.update(content);
        return new FileDigest(content.length, crc.getValue());
    }

    public byte[] read(Path path) throws IOException {
        try (InputStream in = fs.open(path)) {
            return in.readAllBytes();
        }
    }

    public FileDigest digest(Path path) throws IOException {
        CRC32C crc = new CRC32C();
        long bytes = 0;
        try (InputStream in = fs.open(path)) {
            byte[] buffer = new byte[BUFFER];
            for (int read; (read = in.read(buffer)) > 0; ) {
                crc.update(buffer, 0, read);
                bytes += read;
            }
        }
        return new FileDigest(bytes, crc.getValue());
    }

    public void download(Path source, java.nio.file.Path local) throws IOException {
        try (InputStream in = fs.open(source)) {
            Files.copy(in, local, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    public long length(Path path) throws IOException {
        return fs.getFileStatus(path).getLen();
    }

    public void mkdirs(Path dir) throws IOException {
        if (!fs.mkdirs(dir)) {
            throw new IOException("cannot create directory " + dir);
        }
    }

    public void delete(Path path) throws IOException {
        fs.delete(path, true);
    }

    /**
     * Creates a file only if nothing is there yet, as one atomic step (O_EXCL on local disks,
     * HDFS's create without overwrite). Returns false if the file already exists.
     */
    public boolean createExclusive(Path path, byte[] content) throws IOException {
        if ("file".equals(fs.getUri().getScheme())) {
            java.nio.file.Path local = java.nio.file.Path.of(fs.makeQualified(path).toUri());
            try {
                Files.createDirectories(local.getParent());
                Files.write(local, content, java.nio.file.StandardOpenOption.CREATE_NEW,
                        java.nio.file.StandardOpenOption.WRITE);
                return true;
            } catch (java.nio.file.FileAlreadyExistsException e) {
                return false;
            }
        }
        try (OutputStream out = fs.create(path, false)) {
            out.write(content);
            return true;
        } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
            return false;
        }
    }

    public org.apache.hadoop.fs.FileStatus[] list(Path dir) throws IOException {
        try {
            return fs.listStatus(dir);
        } catch (FileNotFoundException e) {
            return new org.apache.hadoop.fs.FileStatus[0];
        }
    }

    public long modificationTime(Path path) throws IOException {
        return fs.getFileStatus(path).getModificationTime();
    }

    /** The version LATEST names, if any. */
    public Optional<String> readPointer(Path pointer) throws IOException {
        try {
            String value = new String(read(pointer), java.nio.charset.StandardCharsets.UTF_8).trim();
            return value.isEmpty() ? Optional.empty() : Optional.of(value);
        } catch (FileNotFoundException e) {
            return Optional.empty();
        }
    }

    /** Points LATEST at version: written aside, then renamed over the old pointer in one step. */
    public void movePointer(Path pointer, String version) throws IOException {
        write(pointer, (version + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private Path temporarySibling(Path target) {
        return new Path(target.getParent(), temporaryName(target));
    }

    private static String temporaryName(Path target) {
        return "." + target.getName() + TEMPORARY_MARK + UUID.randomUUID();
    }

    /** Whether a file name is one of the temporary names writes go through. */
    public static boolean isTemporary(String name) {
        return name.startsWith(".") && name.contains(TEMPORARY_MARK);
    }

    /**
     * Renames source over target as one step. POSIX rename(2) replaces atomically on local disks;
     * HDFS does the same through FileContext's OVERWRITE rename.
     */
    private void replace(Path source, Path target) throws IOException {
        if ("file".equals(fs.getUri().getScheme())) {
            if (!fs.rename(source, target)) {
                throw new IOException("cannot rename " + source + " to " + target);
            }
            return;
        }
        FileContext.getFileContext(fs.getUri(), conf).rename(source, target, Options.Rename.OVERWRITE);
    }
}
