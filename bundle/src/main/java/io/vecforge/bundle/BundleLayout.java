package io.vecforge.bundle;

import io.vecforge.UsageException;
import java.util.Locale;
import org.apache.hadoop.fs.Path;

/**
 * Where things live under a publish root:
 * <pre>
 * root/index/LATEST                     name of the published version
 * root/index/HISTORY.jsonl              every move of LATEST, one JSON line each
 * root/index/_publish.lock              held while LATEST moves (Hadoop commit)
 * root/index/_commits/step              one per move of LATEST, claimed by exclusive create (S3 commit)
 * root/index/_pins/version              a pinned version: never garbage-collected
 * root/index/_runs/run/VERSION          the version a scheduler's run built (build --run-id)
 * root/index/version/manifest.json
 * root/index/version/report.html, report/…  the build report (for people)
 * root/index/version/shard-00000.faiss  one per shard
 * root/index/version/trained.faiss      the trained, empty index
 * root/index/version/holdout/…          validation queries and their exact neighbours
 * root/index/version/idmap/…            internal id → external id (Parquet), for string/composite ids
 * root/index/version/quarantine/…       rejected input rows (Parquet): id, reason, original row
 * root/index/version/_SUCCESS           written last: the version is complete
 * root/index/version/_FAILED            instead of _SUCCESS: why the build failed
 * root/index/version/_work/…            build scratch, deleted before _SUCCESS
 * root/index/version/_building          heartbeat of the build in progress (BuildHeartbeat)
 * </pre>
 */
public final class BundleLayout {
    public static final String LATEST = "LATEST";
    public static final String HISTORY = "HISTORY.jsonl";
    public static final String PUBLISH_LOCK = "_publish.lock";
    public static final String PINS = "_pins";
    public static final String COMMITS = "_commits";
    public static final String RUNS = "_runs";
    public static final String RUN_VERSION = "VERSION";
    public static final String MANIFEST = "manifest.json";
    public static final String HEARTBEAT = "_building";
    public static final String SUCCESS = "_SUCCESS";
    public static final String TRAINED_INDEX = "trained.faiss";
    public static final String QUERIES = "holdout/queries.fvecs";
    public static final String GROUND_TRUTH = "holdout/groundtruth.i64vecs";
    public static final String GROUND_TRUTH_DISTANCES = "holdout/groundtruth-distances.fvecs";
    public static final String WORK = "_work";
    /** Where task attempts write files before renaming them into the version. */
    public static final String ATTEMPTS = WORK + "/attempts";
    public static final String FAILED = "_FAILED";
    public static final String QUARANTINE = "quarantine";
    public static final String ID_MAP = "idmap";

    private final Path indexDir;

    public BundleLayout(Path root, String indexName) {
        if (!indexName.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
            throw new UsageException("index name '" + indexName
                    + "' must be letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        this.indexDir = new Path(root, indexName);
    }

    public Path indexDir() {
        return indexDir;
    }

    public Path latest() {
        return new Path(indexDir, LATEST);
    }

    public Path history() {
        return new Path(indexDir, HISTORY);
    }

    public Path publishLock() {
        return new Path(indexDir, PUBLISH_LOCK);
    }

    /** The S3 commit's claim of one move of LATEST: step 1 is the first publish. */
    public Path commitClaim(long step) {
        if (step < 1) {
            throw new IllegalArgumentException("commit step " + step + " < 1");
        }
        return new Path(commitsDir(), String.format(Locale.ROOT, "%019d.json", step));
    }

    public Path commitsDir() {
        return new Path(indexDir, COMMITS);
    }

    public Path pin(String version) {
        return new Path(pinsDir(), VersionName.check(version));
    }

    public Path pinsDir() {
        return new Path(indexDir, PINS);
    }

    public Path runsDir() {
        return new Path(indexDir, RUNS);
    }

    public Path manifest(String version) {
        return new Path(versionDir(version), MANIFEST);
    }

    /** The directory of a version; throws if the name is not a {@link VersionName} (never leaves the index). */
    public Path versionDir(String version) {
        return new Path(indexDir, VersionName.check(version));
    }

    public static String shardFileName(int shard) {
        return String.format(Locale.ROOT, "shard-%05d.faiss", shard);
    }
}
