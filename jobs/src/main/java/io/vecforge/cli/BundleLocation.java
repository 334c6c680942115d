package io.vecforge.cli;

import io.vecforge.Failure;
import io.vecforge.RefusedException;
import io.vecforge.UsageException;
import io.vecforge.bundle.BundleFileName;
import io.vecforge.bundle.BundleLayout;
import io.vecforge.bundle.BundleReader;
import io.vecforge.bundle.BundleStorage;
import io.vecforge.bundle.Manifest;
import io.vecforge.bundle.VersionName;
import io.vecforge.bundle.s3.S3Settings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.hadoop.fs.Path;

/**
 * A bundle URI resolved to one version: a version directory, an index directory read through
 * LATEST, or a run record (INDEX/_runs/RUN, written by `build --run-id`). A pointer (LATEST or a
 * run record) is followed only to a plain version name inside its own index.
 */
record BundleLocation(BundleReader bundle, String pointer) {
    static BundleLocation resolve(String uri) throws IOException {
        Path path = followLocalLink(new Path(uri));
        BundleStorage storage = BundleStorage.forUri(path.toUri(), S3Settings.fromEnvironment());
        Path qualified = storage.qualify(path);
        if (storage.exists(new Path(qualified, Manifest.FILE_NAME))) {
            return new BundleLocation(new BundleReader(storage, qualified), null);
        }
        Path runRecord = new Path(qualified, BundleLayout.RUN_VERSION);
        if (storage.exists(runRecord) && qualified.getParent() != null
                && BundleLayout.RUNS.equals(qualified.getParent().getName())) {
            return followed(storage, qualified.getParent().getParent(), runRecord,
                    new String(storage.read(runRecord), StandardCharsets.UTF_8));
        }
        Path latest = new Path(qualified, BundleLayout.LATEST);
        String version = storage.readPointer(latest).orElseThrow(() -> new UsageException(
                uri + " is neither a bundle version (no manifest.json) nor an index with a LATEST pointer"));
        return followed(storage, qualified, latest, version);
    }

    private static BundleLocation followed(BundleStorage storage, Path indexDir, Path pointer, String content)
            throws IOException {
        String version = VersionName.fromPointer(content, pointer);
        Path versionDir = new Path(indexDir, version);
        if (!storage.exists(versionDir)) {
            throw new RefusedException(pointer + " names version " + version + ", which does not exist");
        }
        return new BundleLocation(new BundleReader(storage, versionDir), pointer.toString());
    }

    BundleStorage storage() {
        return bundle.storage();
    }

    Path versionDir() {
        return bundle.versionDir();
    }

    boolean isComplete() throws IOException {
        return bundle.isComplete();
    }

    /** Refuses a version whose _SUCCESS does not vouch for its manifest: it is never served. */
    BundleLocation requireComplete() throws IOException {
        if (!isComplete()) {
            throw new RefusedException("version " + versionDir() + (pointer == null ? "" : " (named by " + pointer
                    + ")") + " is not complete: no _SUCCESS vouching for its manifest.json; refusing to use it");
        }
        return this;
    }

    /**
     * The manifest, every file name it lists a plain name inside the version (validate's rule): one that would
     * resolve outside the version is refused before anything is read or written under it.
     */
    Manifest manifest() throws IOException {
        Manifest manifest = bundle.manifest();
        Optional<String> unsafe = manifest.fileNames().map(BundleFileName::problem).flatMap(Optional::stream)
                .findFirst();
        if (unsafe.isPresent()) {
            throw new BundleFileException(Failure.MANIFEST, "version " + versionDir() + ": " + unsafe.get()
                    + "; refusing to read it (nothing outside the version is read)");
        }
        return manifest;
    }

    /**
     * Copies a file the manifest lists to {@code local}, checking its size and CRC32C against the manifest's before
     * anything reads it (a damaged shard never reaches Faiss): the failure and exit code `validate` gives.
     */
    void download(String name, long bytes, String crc32c, java.nio.file.Path local) throws IOException {
        Optional<BundleReader.FileProblem> problem = bundle.downloadVerified(name, bytes, crc32c, local);
        if (problem.isPresent()) {
            throw new BundleFileException(problem.get().failure(), bundle.file(name) + ": "
                    + problem.get().message() + " (`vecforge validate " + versionDir() + "` checks every file)");
        }
    }

    /**
     * A serving node's DIR/current is a symbolic link to DIR/versions/V: it names that version, so it is
     * checked under its own name. Only local links are followed; nothing in a bundle is ever a link.
     */
    private static Path followLocalLink(Path path) throws IOException {
        java.net.URI uri = path.toUri();
        if (uri.getScheme() != null && !"file".equals(uri.getScheme())) {
            return path;
        }
        java.nio.file.Path local = java.nio.file.Path.of(uri.getPath());
        if (!java.nio.file.Files.isSymbolicLink(local)) {
            return path;
        }
        return new Path(local.toRealPath().toUri());
    }
}
