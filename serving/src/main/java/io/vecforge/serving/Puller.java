package io.vecforge.serving;

import io.vecforge.Failure;
import io.vecforge.bundle.BundleLayout;
import io.vecforge.bundle.BundleReader;
import io.vecforge.bundle.BundleStorage;
import io.vecforge.bundle.Completion;
import io.vecforge.bundle.FileDigest;
import io.vecforge.bundle.Fvecs;
import io.vecforge.bundle.Manifest;
import io.vecforge.faiss.FaissIndex;
import io.vecforge.faiss.FaissReaders;
import io.vecforge.faiss.Metric;
import io.vecforge.faiss.Neighbours;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings one bundle version to a serving node: resolve LATEST (once), check the manifest as
 * untrusted input, download only missing or changed files (resuming partial ones) into
 * versions/&lt;V&gt;/, verify size and CRC32C of every file, load every shard and run the hold-out
 * queries as warm-up, then switch the {@code current} symlink atomically. Nothing is activated
 * unless every step passed.
 */
public final class Puller {
    private static final Logger LOG = LoggerFactory.getLogger(Puller.class);
    private static final int BUFFER = 1 << 20;

    /** node/nodes: this node serves shards with shard % nodes == node. */
    public record Options(String version, int node, int nodes, int keep, String onActivate, int threads,
            long maxFileBytes, long bytesPerSecond, Runnable afterResolve) {
        public static Options defaults() {
            return new Options(null, 0, 1, 3, null, 4, 1L << 40, 0, () -> { });
        }
    }

    /** What a pull did. */
    public record Result(String version, int files, int reused, long bytesDownloaded, String previous) {}

    private final BundleStorage source;
    private final org.apache.hadoop.fs.Path indexDir;
    private final Path target;
    private final Options options;
    private final AtomicLong downloaded = new AtomicLong();
    private final RateLimit rateLimit;

    public Puller(BundleStorage source, org.apache.hadoop.fs.Path indexDir, Path target, Options options) {
        this.source = source;
        this.indexDir = indexDir;
        this.target = target;
        this.options = options;
        this.rateLimit = new RateLimit(options.bytesPerSecond());
    }

    public Result pull() throws IOException {
        String version = options.version() != null ? options.version()
                : source.readPointer(new org.apache.hadoop.fs.Path(indexDir, BundleLayout.LATEST)).orElseThrow(
                        () -> new PullException(Failure.NOT_COMPLETE, "nothing is published in " + indexDir));
        SafeNames.checkVersion(version);
        options.afterResolve().run();
        org.apache.hadoop.fs.Path versionDir = new org.apache.hadoop.fs.Path(indexDir, version);
        BundleReader bundle = new BundleReader(source, versionDir);
        byte[] manifestJson = bundle.manifestBytes();
        Manifest manifest = bundle.manifest();
        SafeNames.check(manifest, options.maxFileBytes());
        if (!bundle.isComplete()) {
            throw new PullException(Failure.NOT_COMPLETE, "version " + version + " has no _SUCCESS vouching for"
                    + " its manifest.json");
        }
        String faiss = FaissIndex.faissVersion();
        if (!FaissReaders.canRead(faiss, manifest.faissMinReader())) {
            throw new PullException(Failure.FAISS_TOO_OLD, "version " + version + " needs Faiss "
                    + manifest.faissMinReader() + " or newer to read (built with " + manifest.faissVersion() + " as "
                    + manifest.vectors().factory() + "); this puller has Faiss " + faiss + ". Upgrade the serving"
                    + " nodes first, or keep serving the current version");
        }
        Path local = target.resolve("versions").resolve(version);
        Files.createDirectories(local);
        List<Wanted> wanted = selectFiles(manifest);
        LOG.info("pulling {} version {}: {} files, {} bytes, node {}/{}", manifest.indexName(), version, wanted.size(),
                wanted.stream().mapToLong(Wanted::bytes).sum(), options.node(), options.nodes());
        int reused = fetchAll(versionDir, local, wanted);
        Files.write(local.resolve(Manifest.FILE_NAME), manifestJson);
        warmUp(manifest, local);
        Files.write(local.resolve(BundleLayout.SUCCESS), Completion.marker(manifestJson));
        String previous = activate(version);
        keepNewest(version, previous);
        LOG.info("current -> {} ({} files, {} reused, {} bytes downloaded)", version, wanted.size(), reused,
                downloaded.get());
        return new Result(version, wanted.size(), reused, downloaded.get(), previous);
    }

    private record Wanted(String name, long bytes, String crc32c) {}

    private List<Wanted> selectFiles(Manifest manifest) {
        List<Wanted> wanted = new ArrayList<>();
        for (Manifest.Shard shard : manifest.shards()) {
            if (shard.shard() % options.nodes() == options.node()) {
                wanted.add(new Wanted(shard.file(), shard.bytes(), shard.crc32c()));
            }
        }
        for (Manifest.BundleFile file : manifest.files()) {
            wanted.add(new Wanted(file.file(), file.bytes(), file.crc32c()));
        }
        return wanted;
    }

    private int fetchAll(org.apache.hadoop.fs.Path versionDir, Path local, List<Wanted> wanted) throws IOException {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, options.threads()));
        try {
            List<Future<Boolean>> fetches = new ArrayList<>();
            for (Wanted file : wanted) {
                fetches.add(pool.submit(() -> fetch(versionDir, local, file)));
            }
            int reused = 0;
            for (Future<Boolean> fetch : fetches) {
                reused += fetch.get() ? 1 : 0;
            }
            return reused;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof PullException p) {
                throw p;
            }
            throw new IOException(e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            stop(pool);
        }
    }

    /** Stops the other downloads and waits for them, so nothing writes after the pull returns. */
    private static void stop(ExecutorService pool) {
        pool.shutdownNow();
        try {
            if (!pool.awaitTermination(1, java.util.concurrent.TimeUnit.MINUTES)) {
                LOG.warn("downloads still running after the pull ended");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Returns true when a verified local copy was already there. */
    private boolean fetch(org.apache.hadoop.fs.Path versionDir, Path local, Wanted file) throws IOException {
        Path destination = local.resolve(file.name()).normalize();
        if (!destination.startsWith(local)) {
            throw new PullException(Failure.PATH_TRAVERSAL, "file '" + file.name() + "' leaves the target");
        }
        if (Files.isRegularFile(destination, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                && Files.size(destination) == file.bytes() && FileDigest.of(destination).matches(file.bytes(),
                        file.crc32c())) {
            return true;
        }
        if (reuseFromCurrent(local, destination, file)) {
            return true;
        }
        org.apache.hadoop.fs.Path remote = new org.apache.hadoop.fs.Path(versionDir, file.name());
        refuseSymlinks(versionDir, file.name());
        Files.createDirectories(destination.getParent());
        Path part = destination.resolveSibling(destination.getFileName() + ".part");
        long have = Files.exists(part) ? Files.size(part) : 0;
        if (have > file.bytes()) {
            Files.delete(part);
            have = 0;
        }
        if (have > 0) {
            LOG.info("resuming {} at byte {}", file.name(), have);
        }
        try (InputStream in = source.open(remote, have);
                OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            copy(in, out, file);
        }
        Optional<BundleReader.FileProblem> problem = BundleReader.compare(FileDigest.of(part), file.bytes(),
                file.crc32c());
        if (problem.isPresent()) {
            Files.delete(part);
            throw new PullException(problem.get().failure() == Failure.SIZE_MISMATCH ? Failure.DOWNLOAD_SIZE_MISMATCH
                    : Failure.DOWNLOAD_CHECKSUM_MISMATCH, "file '" + file.name() + "': " + problem.get().message());
        }
        Files.move(part, destination, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        LOG.info("pulled {} ({} bytes)", file.name(), file.bytes());
        return false;
    }

    /**
     * Takes the file from the version this node serves now when that holds it with the same size and
     * CRC32C (checked again here): a delta version shares most files with its base, so only what it
     * changed is downloaded. The copy is a hard link where the file system allows (the files are never
     * written in place), else a plain copy; either way it lands under its name by an atomic rename.
     */
    private boolean reuseFromCurrent(Path local, Path destination, Wanted file) throws IOException {
        Path current = target.resolve("current");
        if (!Files.isSymbolicLink(current) || !Files.isDirectory(current)) {
            return false;
        }
        Path served = current.toRealPath();
        if (!served.getParent().equals(target.resolve("versions").toRealPath()) || served.equals(local.toRealPath())) {
            return false;
        }
        Path candidate = served.resolve(file.name()).normalize();
        if (!candidate.startsWith(served) || !Files.isRegularFile(candidate, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                || Files.size(candidate) != file.bytes()
                || !FileDigest.of(candidate).matches(file.bytes(), file.crc32c())) {
            return false;
        }
        Files.createDirectories(destination.getParent());
        Path part = destination.resolveSibling(destination.getFileName() + ".part");
        Files.deleteIfExists(part);
        try {
            Files.createLink(part, candidate);
        } catch (IOException | UnsupportedOperationException e) {
            Files.copy(candidate, part, StandardCopyOption.REPLACE_EXISTING);
        }
        Files.move(part, destination, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        LOG.info("reused {} ({} bytes) from the served version {}", file.name(), file.bytes(), served.getFileName());
        return true;
    }

    /** Neither the file nor a directory on its way inside the bundle may be a symbolic link. */
    private void refuseSymlinks(org.apache.hadoop.fs.Path versionDir, String name) throws IOException {
        org.apache.hadoop.fs.Path path = versionDir;
        for (String segment : name.split("/")) {
            path = new org.apache.hadoop.fs.Path(path, segment);
            if (source.isSymlink(path)) {
                throw new PullException(Failure.SYMLINK, "'" + name + "' leads through a symbolic link in the"
                        + " source (" + path + ")");
            }
        }
    }

    private void copy(InputStream in, OutputStream out, Wanted file) throws IOException {
        byte[] buffer = new byte[BUFFER];
        long limit = file.bytes() + 1; // one byte more than declared is enough to tell a size mismatch
        long copied = 0;
        int chunk = rateLimit.chunk(buffer.length);
        for (int read; copied < limit && (read = in.read(buffer, 0, (int) Math.min(chunk, limit - copied))) > 0; ) {
            out.write(buffer, 0, read);
            out.flush();
            copied += read;
            downloaded.addAndGet(read);
            try {
                rateLimit.acquire(read);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
    }

    /** Loads every pulled shard and searches the hold-out queries: the warm-up before the switch. */
    private void warmUp(Manifest manifest, Path local) throws IOException {
        Metric metric = manifest.vectors().metric();
        Fvecs.Data queries = Fvecs.read(local.resolve(manifest.validation().queriesFile()));
        metric.prepare(queries.vectors(), queries.d());
        int k = Math.max(1, manifest.validation().k());
        FaissIndex.setThreads(Runtime.getRuntime().availableProcessors(), 1);
        for (Manifest.Shard shard : manifest.shards()) {
            if (shard.shard() % options.nodes() != options.node()) {
                continue;
            }
            try (FaissIndex index = FaissIndex.read(local.resolve(shard.file()))) {
                Optional<String> mismatch = BundleReader.checkShard(index, manifest, shard);
                if (mismatch.isPresent()) {
                    throw new PullException(Failure.WARM_UP_FAILED, shard.file() + ": " + mismatch.get());
                }
                index.setNprobe(manifest.defaultNprobe());
                Neighbours hits = new Neighbours(queries.n(), k, metric.smallerIsCloser());
                hits.offerAll(index.search(queries.vectors(), queries.n(), k));
                if (shard.rows() > 0 && queries.n() > 0 && hits.id(0, 0) < 0) {
                    throw new PullException(Failure.WARM_UP_FAILED, shard.file() + " answers no smoke query");
                }
            } catch (RuntimeException e) {
                if (e instanceof PullException) {
                    throw e;
                }
                throw new PullException(Failure.WARM_UP_FAILED, shard.file() + " does not load: " + e.getMessage());
            }
        }
    }

    /** Switches current to the version (symlink renamed over the old one); runs --on-activate. */
    private String activate(String version) throws IOException {
        Path current = target.resolve("current");
        String previous = Files.isSymbolicLink(current)
                ? Files.readSymbolicLink(current).getFileName().toString() : null;
        pointCurrentAt(version);
        if (options.onActivate() != null) {
            int code = runHook(version);
            if (code != 0) {
                if (previous != null) {
                    pointCurrentAt(previous);
                } else {
                    Files.deleteIfExists(current);
                }
                throw new PullException(Failure.ACTIVATE_FAILED, "--on-activate exited " + code
                        + "; current is back on " + previous);
            }
        }
        return previous;
    }

    private void pointCurrentAt(String version) throws IOException {
        Path link = target.resolve(".current-" + UUID.randomUUID());
        Files.createSymbolicLink(link, Path.of("versions", version));
        Files.move(link, target.resolve("current"), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
    }

    private int runHook(String version) throws IOException {
        ProcessBuilder hook = new ProcessBuilder("sh", "-c", options.onActivate()).inheritIO();
        hook.environment().put("VECFORGE_VERSION", version);
        hook.environment().put("VECFORGE_CURRENT", target.resolve("current").toString());
        try {
            return hook.start().waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running --on-activate", e);
        }
    }

    /** Keeps current and the newest other versions, up to --keep in all; deletes the rest. */
    private void keepNewest(String current, String previous) throws IOException {
        List<Path> others;
        try (var listed = Files.list(target.resolve("versions"))) {
            others = listed.filter(v -> !v.getFileName().toString().equals(current))
                    .sorted(java.util.Comparator.reverseOrder()).toList();
        }
        for (Path old : others.subList(Math.min(others.size(), Math.max(0, options.keep() - 1)), others.size())) {
            LOG.info("removing old local version {}", old.getFileName());
            try (var files = Files.walk(old)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }
}
