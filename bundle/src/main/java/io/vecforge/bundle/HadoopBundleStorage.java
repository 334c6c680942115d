package io.vecforge.bundle;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;

/**
 * {@link BundleStorage} on any Hadoop FileSystem (local disks, HDFS). Every write lands under a
 * temporary name and is renamed over the target (POSIX rename(2) locally, FileContext's
 * OVERWRITE rename on HDFS), so readers never see a partial file.
 */
public final class HadoopBundleStorage implements BundleStorage {
    static final String TEMPORARY_MARK = ".tmp-";

    private final FileSystem fs;
    private final Configuration conf;

    public HadoopBundleStorage(FileSystem fs, Configuration conf) {
        // The checksumming local FileSystem would litter bundles with .crc side files; we keep our own CRC32C.
        this.fs = fs instanceof LocalFileSystem local ? local.getRaw() : fs;
        this.conf = conf;
    }

    /** The schemes whose rename and exclusive create are atomic: what {@link HadoopCommitOperations} needs. */
    private static final java.util.Set<String> ATOMIC_SCHEMES = java.util.Set.of("file", "hdfs", "viewfs");

    static HadoopBundleStorage forUri(URI uri, Configuration conf) throws IOException {
        String scheme = uri.getScheme() != null ? uri.getScheme() : FileSystem.getDefaultUri(conf).getScheme();
        if (scheme == null || !ATOMIC_SCHEMES.contains(scheme)) {
            throw new UnsupportedStorageException(uri + ": bundles cannot be published or read on " + scheme
                    + "://, whose rename and exclusive create are not atomic (a commit could be raced or half-seen);"
                    + " use s3://, hdfs:// or a local path (supported: s3, s3a, "
                    + String.join(", ", new java.util.TreeSet<>(ATOMIC_SCHEMES)) + ")");
        }
        return new HadoopBundleStorage(FileSystem.get(uri, conf), conf);
    }

    @Override
    public CommitOperations commitOperations(BundleLayout layout) {
        return new HadoopCommitOperations(this, layout);
    }

    /** Renames source to a name nothing else uses; false if source is gone. One of concurrent callers wins. */
    boolean renameIfPresent(Path source, Path target) throws IOException {
        if (isLocal()) {
            try {
                Files.move(java.nio.file.Path.of(fs.makeQualified(source).toUri()),
                        java.nio.file.Path.of(fs.makeQualified(target).toUri()),
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                return true;
            } catch (java.nio.file.NoSuchFileException e) {
                return false;
            }
        }
        return fs.rename(source, target);
    }

    static boolean isTemporary(String name) {
        return name.startsWith(".") && name.contains(TEMPORARY_MARK);
    }

    @Override
    public Path qualify(Path path) {
        return fs.makeQualified(path);
    }

    @Override
    public boolean exists(Path path) throws IOException {
        return fs.exists(path);
    }

    @Override
    public FileDigest upload(java.nio.file.Path local, Path target, Path scratchDir) throws IOException {
        Path temporary = new Path(scratchDir, temporaryName(target));
        FileDigest digest;
        try (InputStream in = Files.newInputStream(local);
                FSDataOutputStream out = fs.create(temporary, false)) {
            digest = FileDigest.copy(in, out);
        } catch (IOException | RuntimeException e) {
            fs.delete(temporary, false);
            throw e;
        }
        replace(temporary, target);
        return digest;
    }

    @Override
    public FileDigest write(Path target, byte[] content) throws IOException {
        Path temporary = new Path(target.getParent(), temporaryName(target));
        try (OutputStream out = fs.create(temporary, false)) {
            out.write(content);
        } catch (IOException | RuntimeException e) {
            fs.delete(temporary, false);
            throw e;
        }
        replace(temporary, target);
        return FileDigest.of(content);
    }

    @Override
    public InputStream open(Path path, long offset) throws IOException {
        FSDataInputStream in = fs.open(path);
        if (offset > 0) {
            in.seek(offset);
        }
        return in;
    }

    @Override
    public void download(Path source, java.nio.file.Path local) throws IOException {
        try (InputStream in = fs.open(source)) {
            Files.copy(in, local, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Override
    public long length(Path path) throws IOException {
        return fs.getFileStatus(path).getLen();
    }

    @Override
    public long modificationTime(Path path) throws IOException {
        return fs.getFileStatus(path).getModificationTime();
    }

    @Override
    public List<StorageEntry> list(Path dir) throws IOException {
        List<StorageEntry> entries = new ArrayList<>();
        try {
            for (FileStatus status : fs.listStatus(dir)) {
                entries.add(new StorageEntry(status.getPath(), status.isDirectory(), status.getLen(),
                        status.getModificationTime()));
            }
        } catch (FileNotFoundException e) {
            // no directory: no entries
        }
        return entries;
    }

    @Override
    public boolean isSymlink(Path path) throws IOException {
        if (isLocal()) {
            return Files.isSymbolicLink(java.nio.file.Path.of(fs.makeQualified(path).toUri()));
        }
        try {
            return fs.getFileLinkStatus(path).isSymlink();
        } catch (UnsupportedOperationException e) {
            return false; // a file system without symlinks
        }
    }

    @Override
    public void mkdirs(Path dir) throws IOException {
        if (!fs.mkdirs(dir)) {
            throw new IOException("cannot create directory " + dir);
        }
    }

    @Override
    public void delete(Path path) throws IOException {
        fs.delete(path, true);
    }

    /** Exclusive create (O_EXCL on local disks, HDFS's create without overwrite): false if the file exists. */
    boolean createExclusive(Path path, byte[] content) throws IOException {
        if (isLocal()) {
            java.nio.file.Path local = java.nio.file.Path.of(fs.makeQualified(path).toUri());
            try {
                Files.createDirectories(local.getParent());
                Files.write(local, content, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
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
        } catch (IOException e) {
            if (isBeingCreated(e)) {
                return false; // another writer's create of it is still open: it exists, not yet closed
            }
            throw e;
        }
    }

    /** HDFS refuses a create of a file another create holds open with AlreadyBeingCreatedException. */
    private static boolean isBeingCreated(IOException e) {
        String name = e instanceof org.apache.hadoop.ipc.RemoteException remote ? remote.getClassName()
                : e.getClass().getName();
        return name.endsWith(".AlreadyBeingCreatedException");
    }

    private boolean isLocal() {
        return "file".equals(fs.getUri().getScheme());
    }

    private static String temporaryName(Path target) {
        return "." + target.getName() + TEMPORARY_MARK + UUID.randomUUID();
    }

    /** Renames source over target as one step. */
    private void replace(Path source, Path target) throws IOException {
        if (isLocal()) {
            if (!fs.rename(source, target)) {
                throw new IOException("cannot rename " + source + " to " + target);
            }
            return;
        }
        FileContext.getFileContext(fs.getUri(), conf).rename(source, target, Options.Rename.OVERWRITE);
    }
}
