package io.vecforge.validate;

import io.vecforge.Failure;
import io.vecforge.bundle.BundleReader;
import io.vecforge.bundle.BundleStorage;
import io.vecforge.bundle.Manifest;
import io.vecforge.bundle.ShardAssignment;
import io.vecforge.faiss.FaissIndex;
import io.vecforge.faiss.Neighbours;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One shard's share of validation: its file (size, CRC32C), its load in Faiss with the manifest's
 * shape, its ids (unique, all owned by this shard, so unique across shards without gathering them),
 * and its top-k answers to the hold-out queries. Runs wherever the storage is reachable: in turn on
 * the driver ({@code vecforge validate}) or one Spark task per shard (the build), the driver then
 * merging the answers ({@link BundleValidator}).
 *
 * @param versionDir the version directory, as a URI string
 * @param manifestJson the manifest validated against (the build's draft before it is written)
 * @param queries the hold-out queries prepared for the metric (null: no recall to measure)
 * @param nprobe the nprobe recall is measured at
 * @param sweep the round of the nprobe sweep to measure too (null: none)
 * @param threads OpenMP threads for loading and searching
 * @param scratchDir local directory for downloaded shards, or null for the system's temp directory
 */
public record ShardValidation(String versionDir, byte[] manifestJson, float[] queries, int nprobe, SweepRound sweep,
        int threads, String scratchDir) implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ShardValidation.class);

    /**
     * A round of the nprobe sweep ({@link NprobeSweep#firstRound}): the first, whose nprobes follow from the shard's
     * nlist, runs with the checks; a later one (its nprobes given) only loads the shards and searches them.
     */
    public record SweepRound(int[] laterNprobes) implements Serializable {
        private static final long serialVersionUID = 1L;
        public static final SweepRound FIRST = new SweepRound(null);

        public boolean later() {
            return laterNprobes != null;
        }

        int[] nprobes(long nlist, int validationNprobe) {
            return later() ? laterNprobes
                    : NprobeSweep.firstRound(NprobeSweep.steps(nlist, validationNprobe), nlist, validationNprobe);
        }
    }

    /**
     * What one shard contributed.
     *
     * @param fileOk whether the file is present with the manifest's size and CRC32C
     * @param loaded whether Faiss loaded it with the manifest's shape
     * @param idsOk whether its ids are unique, owned by this shard and span the manifest's range
     * @param found its top-k of every query at the validation's nprobe (null without queries)
     * @param sweep its top-k at every nprobe of the sweep (null unless asked for)
     * @param listSizes its inverted lists' sizes (null without queries)
     */
    public record Result(int shard, List<Problem> problems, boolean fileOk, boolean loaded, boolean idsOk,
            Neighbours found, NprobeSweep sweep, long[] listSizes) implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    /** The same work for a Spark task: its own thread count, the executor's temp directory. */
    public ShardValidation onExecutor(int taskThreads) {
        return new ShardValidation(versionDir, manifestJson, queries, nprobe, sweep, taskThreads, null);
    }

    /** The sweep's later round over the same shards: the given nprobes only, nothing checked again. */
    public ShardValidation sweepingOnly(int[] nprobes) {
        return new ShardValidation(versionDir, manifestJson, queries, nprobe, new SweepRound(nprobes), threads, scratchDir);
    }

    public Result run(BundleStorage storage, int shardIndex) throws IOException {
        Manifest manifest = Manifest.fromJson(manifestJson);
        Manifest.Shard shard = manifest.shards().get(shardIndex);
        List<Problem> problems = new ArrayList<>();
        if (sweep != null && sweep.later()) {
            return sweep(storage, manifest, shardIndex, shard);
        }
        BundleReader bundle = new BundleReader(storage, new Path(versionDir));
        java.nio.file.Path local = scratchFile();
        try {
            Optional<BundleReader.FileProblem> damage = bundle.downloadVerified(shard.file(), shard.bytes(),
                    shard.crc32c(), local);
            if (damage.isPresent()) {
                problems.add(new Problem(damage.get().failure(), shard.file(), damage.get().message()));
                return new Result(shardIndex, problems, false, false, false, null, null, null);
            }
            return load(manifest, shardIndex, shard, local, problems);
        } finally {
            Files.deleteIfExists(local);
        }
    }

    /**
     * The checks of a verified local copy of the shard: its load, its ids, its answers to the queries. Its inverted
     * lists stay in the copy and are read as the checks and searches ask for them, so a task's native memory does
     * not grow with the shard.
     */
    private Result load(Manifest manifest, int shardIndex, Manifest.Shard shard, java.nio.file.Path local,
            List<Problem> problems) throws IOException {
        FaissIndex.setThreads(threads, 1);
        try (FaissIndex index = FaissIndex.readListsOnDisk(local)) {
            Files.deleteIfExists(local);
            Optional<String> problem = BundleReader.checkShard(index, manifest, shard);
            if (problem.isPresent()) {
                problems.add(new Problem(Failure.SHARD_UNREADABLE, shard.file(), problem.get()));
                return new Result(shardIndex, problems, true, false, false, null, null, null);
            }
            boolean idsOk = idsBelongToShard(shard, index, manifest.shards().size(), problems);
            Neighbours found = null;
            NprobeSweep curve = null;
            long[] listSizes = null;
            if (queries != null) {
                int k = manifest.validation().k();
                int n = queries.length / manifest.vectors().dimension();
                boolean smallerIsCloser = manifest.vectors().metric().smallerIsCloser();
                if (sweep != null) {
                    curve = new NprobeSweep(sweep.nprobes(index.nlist(), nprobe), n, k, smallerIsCloser);
                    curve.search(index, queries, k);
                    found = curve.neighboursAt(nprobe); // the sweep searched at the validation's nprobe already
                }
                if (found == null) {
                    index.setNprobe(nprobe);
                    found = new Neighbours(n, k, smallerIsCloser);
                    found.offerAll(index.search(queries, n, k));
                }
                listSizes = index.listSizes();
            }
            LOG.info("validated shard {} of {} ({} rows)", shardIndex + 1, manifest.shards().size(), shard.rows());
            return new Result(shardIndex, problems, true, true, idsOk, found, curve, listSizes);
        } catch (RuntimeException e) {
            problems.add(new Problem(Failure.SHARD_UNREADABLE, shard.file(),
                    "Faiss cannot load it: " + e.getMessage()));
            return new Result(shardIndex, problems, true, false, false, null, null, null);
        }
    }

    private Result sweep(BundleStorage storage, Manifest manifest, int shardIndex, Manifest.Shard shard)
            throws IOException {
        FaissIndex.setThreads(threads, 1);
        java.nio.file.Path local = scratchFile();
        try {
            Optional<BundleReader.FileProblem> damage = new BundleReader(storage, new Path(versionDir))
                    .downloadVerified(shard.file(), shard.bytes(), shard.crc32c(), local);
            if (damage.isPresent()) { // changed since the first round checked it
                return new Result(shardIndex, List.of(new Problem(damage.get().failure(), shard.file(),
                        damage.get().message())), false, false, false, null, null, null);
            }
            return sweepLoaded(manifest, shardIndex, local);
        } finally {
            Files.deleteIfExists(local);
        }
    }

    private Result sweepLoaded(Manifest manifest, int shardIndex, java.nio.file.Path local) throws IOException {
        try (FaissIndex index = FaissIndex.readListsOnDisk(local)) {
            Files.deleteIfExists(local);
            int k = manifest.validation().k();
            NprobeSweep curve = new NprobeSweep(sweep.laterNprobes(), queries.length / manifest.vectors().dimension(), k,
                    manifest.vectors().metric().smallerIsCloser());
            curve.search(index, queries, k);
            LOG.info("swept shard {} of {} at nprobe {}", shardIndex + 1, manifest.shards().size(),
                    Arrays.toString(sweep.laterNprobes()));
            return new Result(shardIndex, List.of(), true, true, true, null, curve, null);
        }
    }

    private static boolean idsBelongToShard(Manifest.Shard shard, FaissIndex index, int shardCount,
            List<Problem> problems) {
        long[] ids = index.ids();
        Arrays.sort(ids);
        for (int i = 0; i < ids.length; i++) {
            if (i > 0 && ids[i] == ids[i - 1]) {
                problems.add(new Problem(Failure.DUPLICATE_IDS, shard.file(),
                        "id " + ids[i] + " appears more than once"));
                return false;
            }
            int owner = ShardAssignment.shardOf(ids[i], shardCount);
            if (owner != shard.shard()) {
                problems.add(new Problem(Failure.DUPLICATE_IDS, shard.file(),
                        "id " + ids[i] + " belongs to shard " + owner + ", so it may be duplicated there"));
                return false;
            }
        }
        if (ids.length > 0 && (shard.minId() == null || shard.minId() != ids[0] || shard.maxId() != ids[ids.length - 1])) {
            problems.add(new Problem(Failure.SHARD_UNREADABLE, shard.file(), "ids span " + ids[0] + ".."
                    + ids[ids.length - 1] + ", manifest says " + shard.minId() + ".." + shard.maxId()));
            return false;
        }
        return true;
    }

    private java.nio.file.Path scratchFile() throws IOException {
        if (scratchDir == null) {
            return Files.createTempFile("vecforge-validate-", ".tmp");
        }
        java.nio.file.Path dir = java.nio.file.Path.of(scratchDir);
        Files.createDirectories(dir);
        return Files.createTempFile(dir, "validate-", ".tmp");
    }
}
