package io.vecforge.validate;

import io.vecforge.Failure;
import io.vecforge.bundle.BundleFileName;
import io.vecforge.bundle.BundleLayout;
import io.vecforge.bundle.BundleReader;
import io.vecforge.bundle.BundleStorage;
import io.vecforge.bundle.Fvecs;
import io.vecforge.bundle.Manifest;
import io.vecforge.bundle.ShardAssignment;
import io.vecforge.faiss.FaissIndex;
import io.vecforge.faiss.Metric;
import io.vecforge.faiss.Neighbours;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks a bundle version against its manifest: files (presence, size, CRC32C), exact row
 * accounting, every shard loading in Faiss with the manifest's shape, unique ids, and recall@k of
 * the hold-out queries. The build job runs it before publishing, its per-shard checks in Spark tasks;
 * `vecforge validate` runs it on any bundle, shard after shard. Either way this JVM holds the
 * queries and the merged top-k, never a shard ({@link ShardValidation}).
 */
public final class BundleValidator {
    private static final Logger LOG = LoggerFactory.getLogger(BundleValidator.class);

    /**
     * @param requireSuccess whether a missing _SUCCESS marker is a failure (false while the build
     *     job validates a version it has not yet completed)
     * @param minRecall overrides the manifest's threshold when not null
     * @param nprobe overrides the manifest's nprobe when not null
     * @param sweepTargetRecall when not null, the recall curve over nprobe is measured too, as far as it takes to
     *     settle the recommendation for this target ({@link NprobeSweep#settled})
     */
    public record Options(boolean requireSuccess, Double minRecall, Integer nprobe, java.nio.file.Path scratchDir,
            Double sweepTargetRecall) {
        public Options(boolean requireSuccess, Double minRecall, Integer nprobe, java.nio.file.Path scratchDir) {
            this(requireSuccess, minRecall, nprobe, scratchDir, null);
        }
    }

    /** Runs the shards' share of validation: in turn here, or spread over Spark tasks by the build. */
    @FunctionalInterface
    public interface ShardRunner {
        List<ShardValidation.Result> run(ShardValidation work, List<Integer> shards) throws IOException;
    }

    private final BundleStorage storage;
    private final Options options;
    private final ShardRunner runner;

    public BundleValidator(BundleStorage storage, Options options) {
        this(storage, options, null);
    }

    /** @param runner where the per-shard checks run; null runs them one after the other in this JVM */
    public BundleValidator(BundleStorage storage, Options options, ShardRunner runner) {
        this.storage = storage;
        this.options = options;
        this.runner = runner != null ? runner : (work, shards) -> {
            List<ShardValidation.Result> results = new ArrayList<>();
            for (int shard : shards) {
                results.add(work.run(storage, shard));
            }
            return results;
        };
    }

    /** Reads the manifest from the version directory and validates against it. */
    public ValidationReport validate(Path versionDir) throws IOException {
        BundleReader bundle = new BundleReader(storage, versionDir);
        String problem;
        if (!bundle.hasManifest()) {
            problem = "no manifest.json in " + versionDir;
        } else {
            try {
                return validate(bundle, bundle.manifest());
            } catch (IllegalArgumentException e) {
                problem = e.getMessage();
            }
        }
        ValidationReport report = new ValidationReport();
        report.bundle = versionDir.toString();
        report.fail(Failure.MANIFEST, Manifest.FILE_NAME, problem);
        return report;
    }

    /** Validates a version against a manifest held in memory (the build's, before it is written). */
    public ValidationReport validate(Path versionDir, Manifest manifest) throws IOException {
        return validate(new BundleReader(storage, versionDir), manifest);
    }

    private ValidationReport validate(BundleReader bundle, Manifest manifest) throws IOException {
        Path versionDir = bundle.versionDir();
        ValidationReport report = new ValidationReport();
        report.bundle = versionDir.toString();
        report.indexName = manifest.indexName();
        report.version = manifest.version();
        report.rows = manifest.source().acceptedRows();
        report.shards = manifest.shards().size();
        report.minRecall = options.minRecall() != null ? options.minRecall() : manifest.validation().minRecall();
        report.nprobe = options.nprobe() != null ? options.nprobe() : manifest.validation().nprobe();

        if (!checkManifest(manifest, report)) {
            return report;
        }
        if (options.requireSuccess()) {
            checkComplete(bundle, report);
        }
        Set<String> damaged = checkHoldoutAndOtherFiles(bundle, manifest, report);
        Holdout holdout = holdout(bundle, manifest, damaged, report);
        ShardValidation work = shardWork(versionDir, manifest, holdout);
        List<ShardValidation.Result> shards = runShards(work, manifest);
        checkShardFiles(shards, damaged, report);
        checkRowCounts(manifest, report);
        checkShardsAndRecall(work, manifest, holdout, shards, report);
        checkLocation(versionDir, manifest, report);
        LOG.info("validation of {} {}: {}", manifest.indexName(), manifest.version(),
                report.isOk() ? "valid" : report.problems);
        return report;
    }

    private void checkComplete(BundleReader bundle, ValidationReport report) throws IOException {
        if (bundle.isComplete()) {
            report.passed("complete");
        } else if (storage.exists(bundle.file(BundleLayout.SUCCESS))) {
            report.fail(Failure.INCOMPLETE, BundleLayout.SUCCESS, "_SUCCESS does not vouch for this"
                    + " manifest.json (its SHA-256 differs): the manifest changed after the build completed");
        } else {
            report.fail(Failure.INCOMPLETE, BundleLayout.SUCCESS, "the version was never completed");
        }
    }

    /**
     * A version copied under another version name, or into another index, is not the version its
     * manifest describes. Checked last, so a damaged copy still reports its damage first. The index
     * name is checked where the parent directory is an index (it holds LATEST or HISTORY.jsonl); a
     * serving node's pulled copy (DIR/versions/V) is not one.
     */
    private void checkLocation(Path versionDir, Manifest manifest, ValidationReport report) throws IOException {
        String problem = null;
        Path located = new Path(versionDir.toString()); // parsing drops a trailing '/' a URI may carry
        Path parent = located.getParent();
        if (!located.getName().equals(manifest.version())) {
            problem = "the manifest is of version '" + manifest.version() + "' but lies in '" + located.getName()
                    + "'";
        } else if (parent != null && !parent.getName().equals(manifest.indexName())
                && (storage.exists(new Path(parent, BundleLayout.LATEST))
                        || storage.exists(new Path(parent, BundleLayout.HISTORY)))) {
            problem = "the manifest is of index '" + manifest.indexName() + "' but lies in index '" + parent.getName()
                    + "'";
        }
        if (problem != null) {
            report.fail(Failure.MISPLACED, Manifest.FILE_NAME, problem + ": a copy under another name is not"
                    + " the version it describes");
        } else {
            report.passed("location");
        }
    }

    private boolean checkManifest(Manifest manifest, ValidationReport report) {
        int before = report.problems.size();
        if (manifest.formatVersion() != Manifest.FORMAT_VERSION) {
            report.fail(Failure.MANIFEST, Manifest.FILE_NAME, "format version " + manifest.formatVersion()
                    + " is not supported (this vecforge reads " + Manifest.FORMAT_VERSION + ")");
        }
        if (manifest.vectors().dimension() <= 0 || manifest.vectors().metric() == null) {
            report.fail(Failure.MANIFEST, Manifest.FILE_NAME, "dimension or metric missing");
        }
        if (manifest.shards().isEmpty() || manifest.sharding().shards() != manifest.shards().size()) {
            report.fail(Failure.MANIFEST, Manifest.FILE_NAME, "sharding.shards=" + manifest.sharding().shards()
                    + " but " + manifest.shards().size() + " shards are listed");
        }
        if (!ShardAssignment.NAME.equals(manifest.sharding().partitioner())) {
            report.fail(Failure.MANIFEST, Manifest.FILE_NAME,
                    "unknown partitioner '" + manifest.sharding().partitioner() + "'");
        }
        for (int i = 0; i < manifest.shards().size(); i++) {
            if (manifest.shards().get(i).shard() != i || manifest.shards().get(i).file() == null) {
                report.fail(Failure.MANIFEST, Manifest.FILE_NAME, "shard entry " + i + " is malformed");
            }
        }
        manifest.repeatedFileNames().forEach(name -> report.fail(Failure.MANIFEST, name,
                "the manifest lists '" + name + "' more than once"));
        manifest.fileNames().forEach(name -> BundleFileName.problem(name).ifPresent(problem -> report.fail(
                Failure.MANIFEST, name, problem + ": nothing outside the version is read")));
        if (report.problems.size() > before) {
            return false;
        }
        report.passed("manifest");
        return true;
    }

    /** Checks every file but the shards (their tasks check them) and returns those missing or damaged. */
    private Set<String> checkHoldoutAndOtherFiles(BundleReader bundle, Manifest manifest, ValidationReport report)
            throws IOException {
        Set<String> damaged = new HashSet<>();
        for (Manifest.BundleFile file : manifest.files()) {
            checkFile(bundle, file.file(), file.bytes(), file.crc32c(), damaged, report);
        }
        List<String> absentReports = new ArrayList<>();
        for (Manifest.BundleFile file : manifest.reports()) {
            Optional<BundleReader.FileProblem> problem = bundle.verifyFile(file.file(), file.bytes(), file.crc32c());
            if (problem.isPresent() && problem.get().failure() == Failure.MISSING_FILE) {
                absentReports.add(file.file()); // the report is for people: serving copies (vecforge-pull) skip it
            } else {
                checkFile(bundle, file.file(), file.bytes(), file.crc32c(), damaged, report);
            }
        }
        if (!absentReports.isEmpty()) {
            report.notes.add("the build report is absent (" + String.join(", ", absentReports) + "): a serving copy"
                    + " pulled by vecforge-pull has none; it is not needed to serve");
        }
        return damaged;
    }

    private static void checkShardFiles(List<ShardValidation.Result> shards, Set<String> damaged,
            ValidationReport report) {
        boolean shardFilesOk = true;
        for (ShardValidation.Result shard : shards) {
            if (!shard.fileOk()) {
                shard.problems().forEach(p -> report.fail(p.failure(), p.file(), p.message()));
                shardFilesOk = false;
            }
        }
        if (damaged.isEmpty() && shardFilesOk) {
            report.passed("files");
        }
    }

    /** The hold-out queries (prepared for the metric) and their exact neighbours; null when damaged or absent. */
    private record Holdout(Fvecs.Data queries, Fvecs.LongData truth) {}

    /**
     * The hold-out files as read from copies checked against the manifest (they were checked in place already; a
     * file changed since then is reported, not read).
     */
    private Holdout holdout(BundleReader bundle, Manifest manifest, Set<String> damaged, ValidationReport report)
            throws IOException {
        Manifest.Validation settings = manifest.validation();
        if (settings.queriesFile() == null || settings.groundTruthFile() == null || damaged.contains(settings.queriesFile())
                || damaged.contains(settings.groundTruthFile())) {
            return null;
        }
        java.nio.file.Path queriesFile = null;
        java.nio.file.Path truthFile = null;
        try {
            queriesFile = downloadListed(bundle, manifest, settings.queriesFile(), report);
            truthFile = queriesFile == null ? null : downloadListed(bundle, manifest, settings.groundTruthFile(), report);
            if (truthFile == null) {
                return null;
            }
            Fvecs.Data queries = Fvecs.read(queriesFile);
            manifest.vectors().metric().prepare(queries.vectors(), queries.d());
            return new Holdout(queries, Fvecs.readLongs(truthFile));
        } finally {
            if (queriesFile != null) {
                Files.deleteIfExists(queriesFile);
            }
            if (truthFile != null) {
                Files.deleteIfExists(truthFile);
            }
        }
    }

    /** A copy of a file the manifest lists, checked against its entry; null, reported, if unlisted or damaged. */
    private java.nio.file.Path downloadListed(BundleReader bundle, Manifest manifest, String name,
            ValidationReport report) throws IOException {
        Optional<Manifest.BundleFile> listed = manifest.files().stream().filter(f -> name.equals(f.file())).findFirst();
        if (listed.isEmpty()) {
            report.fail(Failure.MANIFEST, name, "the validation section names a file the manifest does not list");
            return null;
        }
        Files.createDirectories(options.scratchDir());
        java.nio.file.Path local = Files.createTempFile(options.scratchDir(), "validate-", ".tmp");
        Optional<BundleReader.FileProblem> problem = bundle.downloadVerified(name, listed.get().bytes(),
                listed.get().crc32c(), local);
        if (problem.isPresent()) {
            Files.deleteIfExists(local);
            report.fail(problem.get().failure(), name, problem.get().message());
            return null;
        }
        return local;
    }

    private ShardValidation shardWork(Path versionDir, Manifest manifest, Holdout holdout) {
        int nprobe = options.nprobe() != null ? options.nprobe() : manifest.validation().nprobe();
        return new ShardValidation(versionDir.toString(), manifest.toJson(),
                holdout == null ? null : holdout.queries().vectors(), nprobe,
                options.sweepTargetRecall() == null ? null : ShardValidation.SweepRound.FIRST,
                Runtime.getRuntime().availableProcessors(),
                options.scratchDir() == null ? null : options.scratchDir().toString());
    }

    private List<ShardValidation.Result> runShards(ShardValidation work, Manifest manifest) throws IOException {
        List<Integer> shards = new ArrayList<>();
        for (int i = 0; i < manifest.shards().size(); i++) {
            shards.add(i);
        }
        List<ShardValidation.Result> results = new ArrayList<>(runner.run(work, shards));
        results.sort(java.util.Comparator.comparingInt(ShardValidation.Result::shard));
        return results;
    }

    private static void checkFile(BundleReader bundle, String name, long bytes, String crc32c, Set<String> damaged,
            ValidationReport report) throws IOException {
        Optional<BundleReader.FileProblem> problem = bundle.verifyFile(name, bytes, crc32c);
        if (problem.isPresent()) {
            report.fail(problem.get().failure(), name, problem.get().message());
            damaged.add(name);
        }
    }

    private void checkRowCounts(Manifest manifest, ValidationReport report) {
        long shardRows = manifest.shardRows();
        if (shardRows != manifest.source().acceptedRows()) {
            report.fail(Failure.ROW_COUNT_MISMATCH, Manifest.FILE_NAME, "shards hold " + shardRows
                    + " rows but the input accepted " + manifest.source().acceptedRows());
        } else {
            report.passed("row counts");
        }
    }

    /**
     * Continues the sweep past its first round while the curve still rises short of the target: one more round
     * over every shard per doubling of nprobe ({@link NprobeSweep#nextRound}), up to the sweep's end.
     */
    private void sweepOn(ShardValidation work, Manifest manifest, Holdout holdout, NprobeSweep sweep,
            ValidationReport report) throws IOException {
        if (report.listSizes == null) {
            return;
        }
        int[] steps = NprobeSweep.steps(report.listSizes.length, report.nprobe);
        Fvecs.LongData truth = holdout.truth();
        NprobeSweep swept = sweep;
        while (!NprobeSweep.settled(report.nprobeCurve, options.sweepTargetRecall())) {
            int[] round = NprobeSweep.nextRound(steps, swept.nprobes());
            if (round.length == 0) {
                return;
            }
            LOG.info("recall still rises at nprobe {} ({}): sweeping on to nprobe {}", round[0],
                    String.format(java.util.Locale.ROOT, "%.4f", report.nprobeCurve.get(report.nprobeCurve.size() - 1)
                            .recall()), round[1]);
            NprobeSweep later = null;
            for (ShardValidation.Result shard : runShards(work.sweepingOnly(round), manifest)) {
                later = later == null ? shard.sweep() : later.merge(shard.sweep());
            }
            swept = swept.followedBy(later);
            report.nprobeCurve = swept.curve(truth.values(), truth.k());
        }
    }

    private void checkShardsAndRecall(ShardValidation work, Manifest manifest, Holdout holdout,
            List<ShardValidation.Result> shards, ValidationReport report) throws IOException {
        Manifest.Validation settings = manifest.validation();
        boolean smallerIsCloser = manifest.vectors().metric().smallerIsCloser();
        Neighbours found = holdout == null ? null
                : new Neighbours(holdout.queries().n(), settings.k(), smallerIsCloser);
        NprobeSweep sweep = null;
        boolean shardsOk = true;
        boolean idsOk = true;
        for (ShardValidation.Result shard : shards) {
            if (!shard.fileOk()) {
                shardsOk = false;
                continue;
            }
            shard.problems().forEach(p -> report.fail(p.failure(), p.file(), p.message()));
            if (!shard.loaded()) {
                shardsOk = false;
                continue;
            }
            idsOk &= shard.idsOk();
            if (found != null && shard.found() != null) {
                found.merge(shard.found());
            }
            if (shard.sweep() != null) {
                sweep = sweep == null ? shard.sweep() : sweep.merge(shard.sweep());
            }
            if (shard.listSizes() != null) {
                addListSizes(report, shard.listSizes());
            }
        }
        if (shardsOk) {
            report.passed("shards load");
        }
        if (shardsOk && idsOk) {
            report.passed("unique ids");
        }
        if (holdout == null || !shardsOk) {
            return;
        }
        Fvecs.LongData truth = holdout.truth();
        report.recall = found.recallAgainst(truth.values(), truth.k());
        if (sweep != null) {
            report.nprobeCurve = sweep.curve(truth.values(), truth.k());
            sweepOn(work, manifest, holdout, sweep, report); // before the verdict: a too-low recall names the curve
        }
        if (report.recall < report.minRecall) {
            report.fail(Failure.RECALL_TOO_LOW, null, recallTooLow(settings.k(), report));
        } else {
            report.passed("recall");
        }
    }

    /** Names the curve it saw and the next step: more nprobe if recall still rises, else a larger code. */
    static String recallTooLow(int k, ValidationReport report) {
        StringBuilder message = new StringBuilder(String.format(java.util.Locale.ROOT,
                "recall@%d %.4f at nprobe %d is below %.4f", k, report.recall, report.nprobe, report.minRecall));
        List<NprobeSweep.Point> curve = report.nprobeCurve;
        if (curve == null || curve.isEmpty()) {
            return message.append("; try more nprobe (--nprobe, validate.nprobe), a larger code (SQ8 or more PQ"
                    + " bytes), or a lower validate.min-recall").toString();
        }
        message.append("; recall by nprobe:");
        curve.forEach(p -> message.append(String.format(java.util.Locale.ROOT, " %d:%.3f", p.nprobe(), p.recall())));
        NprobeSweep.Point best = curve.stream().max(java.util.Comparator.comparingDouble(NprobeSweep.Point::recall))
                .orElseThrow();
        if (best.recall() >= report.minRecall) {
            return message.append(String.format(java.util.Locale.ROOT, ". nprobe %d reaches it: raise the nprobe"
                    + " (--nprobe, validate.nprobe)", NprobeSweep.recommend(curve, report.minRecall).nprobe()))
                    .toString();
        }
        return message.append(String.format(java.util.Locale.ROOT, ". No nprobe reaches it (best %.3f): the code"
                + " size bounds recall; use a larger code (SQ8, or more PQ bytes, e.g. PQ64 for PQ32), or lower"
                + " validate.min-recall", best.recall())).toString();
    }

    private static void addListSizes(ValidationReport report, long[] sizes) {
        if (report.listSizes == null) {
            report.listSizes = sizes;
        } else {
            for (int i = 0; i < sizes.length; i++) {
                report.listSizes[i] += sizes[i];
            }
        }
    }
}
