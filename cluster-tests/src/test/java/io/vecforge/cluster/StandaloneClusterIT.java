package io.vecforge.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vecforge.FailPoint;
import io.vecforge.bundle.BuildHeartbeat;
import io.vecforge.bundle.BundleLayout;
import io.vecforge.bundle.Fvecs;
import io.vecforge.bundle.Manifest;
import io.vecforge.data.EmbeddingParquetWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * vecforge on a real multi-process cluster on loopback: a Spark standalone master and two workers
 * (separate JVMs), HDFS (MiniDFSCluster), builds submitted with scripts/spark-submit.sh in client
 * mode, and the failures of a shared cluster: a worker SIGKILLed while shards build, the driver
 * SIGKILLed at each step of publishing. Worker 2 advertises one 'gpu' through a discovery script.
 * The tests run in order and share the cluster and the index they build.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StandaloneClusterIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final Path SPARK_HOME = REPO.resolve(".venv-spark/spark-home");
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(8);
    private static final long ROWS = 240_000;
    private static final int DIM = 32;
    private static final int SHARDS = 6;
    private static final String INDEX = "items";
    private static final String SHARD_JOB = "vecforge: build " + SHARDS + " shards";

    private Path dir;
    private LocalHdfs hdfs;
    private StandaloneSpark spark;
    private Map<String, String> gpuWorker;
    private Map<String, String> gpuWorkerEnv;
    private Manifest baseline;
    private String baselineVersion;
    private final List<Submission> running = new ArrayList<>();

    private java.util.Set<String> tempBefore;

    /** What Spark and vecforge leave in the system temp directory (killed JVMs cannot clean up after themselves). */
    private static java.util.Set<String> scratchInSystemTemp() throws IOException {
        try (var entries = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return entries.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith("spark-") || n.startsWith("blockmgr-") || n.startsWith("vecforge-"))
                    .collect(java.util.stream.Collectors.toSet());
        }
    }

    @BeforeAll
    void startCluster() throws Exception {
        tempBefore = scratchInSystemTemp();
        assertTrue(Files.isExecutable(SPARK_HOME.resolve("bin/spark-class")),
                SPARK_HOME + " is missing: run scripts/setup.sh");
        dir = Files.createTempDirectory("vecforge-cluster-");
        hdfs = new LocalHdfs(dir.resolve("hdfs"));
        // Worker 2 runs the shipped discovery script with an nvidia-smi stand-in that reports GPU 0.
        Path fakeBin = Files.createDirectories(dir.resolve("fake-bin"));
        Path nvidiaSmi = fakeBin.resolve("nvidia-smi");
        Files.writeString(nvidiaSmi, "#!/bin/sh\necho 0\n");
        Files.setPosixFilePermissions(nvidiaSmi, PosixFilePermissions.fromString("rwxr-xr-x"));
        gpuWorkerEnv = Map.of("PATH", fakeBin + ":" + System.getenv("PATH"));
        gpuWorker = Map.of("spark.worker.resource.gpu.amount", "1",
                "spark.worker.resource.gpu.discoveryScript", REPO.resolve("scripts/gpu-discovery.sh").toString());
        spark = new StandaloneSpark(SPARK_HOME, dir);
        spark.startMaster();
        spark.startWorker(1, Map.of(), Map.of());
        spark.startWorker(2, gpuWorker, gpuWorkerEnv);
        for (int files : new int[] {3, 17}) {
            EmbeddingParquetWriter.generate(hdfs.conf(), new org.apache.hadoop.fs.Path(hdfs.path("/data/input-" + files)),
                    ROWS, DIM, files, 5, "id", "vector");
        }
    }

    @AfterAll
    void stopCluster() throws Exception {
        if (spark != null) {
            spark.close();
        }
        if (hdfs != null) {
            hdfs.close();
        }
        if (dir != null && !Boolean.getBoolean("vecforge.keep-cluster-dir")) {
            try (var paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        java.util.Set<String> left = new java.util.TreeSet<>(scratchInSystemTemp());
        left.removeAll(tempBefore);
        if (dir != null) {
            left.remove(dir.getFileName().toString());
        }
        assertEquals(java.util.Set.of(), left, "killed workers and drivers left scratch in the system temp directory");
    }

    @Test
    @Order(1)
    void buildOnTheClusterPublishesToHdfsAndStockFaissSearchesThePulledBundle() throws Exception {
        Submission build = submit("baseline", 3, List.of());
        assertEquals(0, build.await(BUILD_TIMEOUT), build.output());
        baselineVersion = latest();
        baseline = manifest(baselineVersion);
        assertEquals(ROWS, baseline.accounting().inputRows());
        assertEquals(ROWS, baseline.accounting().indexedRows());
        assertEquals(SHARDS, baseline.shards().size());
        assertTrue(baseline.source().path().startsWith("hdfs://"), baseline.source().path());

        Command validate = Command.script(REPO, "vecforge", "validate", indexUri());
        assertEquals(0, validate.exitCode(), validate.output());

        Path serving = dir.resolve("serving");
        Command pull = Command.script(REPO, "vecforge-pull", "--from", indexUri(), "--to", serving.toString());
        assertEquals(0, pull.exitCode(), pull.output());
        Path current = serving.resolve("current");
        // the serving copy validates, through versions/V and through current, its missing report only noted
        for (Path copy : List.of(serving.resolve("versions").resolve(baseline.version()), current)) {
            Command check = Command.script(REPO, "vecforge", "validate", copy.toString());
            assertEquals(0, check.exitCode(), check.output());
            assertTrue(check.output().contains("the build report is absent"), check.output());
        }
        Command python = Command.run(List.of("/usr/bin/python3", REPO.resolve("scripts/vecforge_bundle.py").toString(),
                current.toString(), "--queries", current.resolve(BundleLayout.QUERIES).toString(), "-k", "10"));
        assertEquals(0, python.exitCode(), python.output());
        JsonNode found = JSON.readTree(python.output());
        assertEquals(ROWS, found.get("ntotal").asLong());
        Fvecs.LongData truth = Fvecs.readLongs(current.resolve(BundleLayout.GROUND_TRUTH));
        double recall = recall(found.get("results"), truth);
        System.out.printf("python3-faiss %s on the bundle pulled from HDFS: recall@10 %.4f (vecforge measured %.4f)%n",
                found.get("faiss").asText(), recall, baseline.validation().recall());
        assertEquals(baseline.validation().recall(), recall, 0.005, "stock Faiss finds what vecforge validated");
    }

    @Test
    @Order(2)
    void aWorkerKilledWhileShardsBuildStillPublishesTheSameBytes() throws Exception {
        Submission build = submit("worker-killed", 17, List.of("--conf", "spark.speculation=true",
                "--conf", "spark.speculation.interval=100ms", "--conf", "spark.speculation.quantile=0.5",
                "--conf", "spark.speculation.multiplier=1.2"));
        build.awaitRunningTasks(SHARD_JOB, "collect", BUILD_TIMEOUT);
        spark.killWorker(2);
        assertEquals(0, build.await(BUILD_TIMEOUT), build.output());

        EventLog events = EventLog.in(eventDir("worker-killed"));
        List<EventLog.TaskEnd> shardTasks = events.taskEnds(events.stagesOfJobs(SHARD_JOB));
        assertTrue(events.executorsRemoved() >= 1, "the master saw the executor go");
        assertTrue(shardTasks.stream().anyMatch(t -> !t.succeeded()),
                "the kill hit the shard job: " + shardTasks);
        System.out.printf("worker killed during shards: %d shard-job task ends, %d failed, %d speculative%n",
                shardTasks.size(), shardTasks.stream().filter(t -> !t.succeeded()).count(),
                shardTasks.stream().filter(EventLog.TaskEnd::speculative).count());

        String version = latest();
        assertNotEquals(baselineVersion, version);
        assertSameBundle(baselineVersion, version);
        assertOnlyBundleFiles(version);
        spark.awaitWorkerGone(2);
    }

    @Test
    @Order(3)
    void oneWorkerBuildsTheSameBytesAsTwo() throws Exception {
        assertEquals(1, spark.aliveWorkers().size());
        Submission build = submit("one-worker", 3, List.of());
        assertEquals(0, build.await(BUILD_TIMEOUT), build.output());
        String version = latest();
        assertSameBundle(baselineVersion, version);
        EventLog events = EventLog.in(eventDir("one-worker"));
        Set<Integer> ports = new HashSet<>();
        events.executors().values().forEach(e -> ports.add(EventLog.workerUiPort(e)));
        assertEquals(Set.of(spark.worker(1).uiPort()), ports, "every executor ran on worker 1");
        reportShardStage(manifest(baselineVersion), manifest(version));
        spark.startWorker(2, gpuWorker, gpuWorkerEnv);
    }

    /**
     * The shard stage on two workers (one executor each) against one worker (both executors), the same two
     * cores: what spreading the shuffle over processes costs or saves. A figure, not an assertion
     * (timed assertions do not belong in tests): logged, and kept in target/shard-stage-by-workers.md.
     */
    private static void reportShardStage(Manifest twoWorkers, Manifest oneWorker) throws IOException {
        StringBuilder table = new StringBuilder("| build | shards stage ms | its Spark stages: wall ms (task-ms) |\n"
                + "|---|--:|---|\n");
        for (Map.Entry<String, Manifest> build : List.of(Map.entry("2 workers x 1 executor", twoWorkers),
                Map.entry("1 worker x 2 executors", oneWorker))) {
            StringBuilder stages = new StringBuilder();
            for (Manifest.SparkStage stage : build.getValue().runtime().sparkStages()) {
                if (stage.buildStage().equals("shards")) {
                    stages.append(stages.length() == 0 ? "" : "; ").append(stage.name()).append(": ")
                            .append(stage.millis()).append(" (").append(stage.taskMillis()).append(")");
                }
            }
            table.append("| ").append(build.getKey()).append(" | ")
                    .append(build.getValue().timingsMillis().get("shards")).append(" | ").append(stages).append(" |\n");
        }
        System.out.println("shard stage by workers (" + ROWS + " rows):\n" + table);
        Files.writeString(Path.of("target", "shard-stage-by-workers.md"), table.toString());
    }

    @Test
    @Order(4)
    void theDriverKilledWhilePublishingLeavesLatestWholeAndTheRerunFinishes() throws Exception {
        String before = latest();
        FileSystem fs = hdfs.fileSystem();

        Submission beforeSuccess = killAt(FailPoint.BEFORE_SUCCESS);
        assertEquals(before, latest(), "killed before _SUCCESS: LATEST unchanged");
        String half = newestVersion();
        assertFalse(fs.exists(versionPath(half, BundleLayout.SUCCESS)), "the killed version is incomplete");
        assertTrue(fs.exists(versionPath(half, BuildHeartbeat.FILE)), "its heartbeat names the dead driver");
        assertValid(before);

        Submission locked = killAt(FailPoint.PUBLISH_LOCKED);
        assertFalse(fs.exists(versionPath(half, "")), "the next run deleted the version its killed driver left: "
                + locked.output());
        assertEquals(before, latest(), "killed holding the lock: LATEST unchanged");
        String staged = newestVersion();
        assertTrue(fs.exists(versionPath(staged, BundleLayout.SUCCESS)), "complete but not published");
        assertTrue(fs.exists(new org.apache.hadoop.fs.Path(indexUri(), "_publish.lock")), "the lock is left behind");
        assertValid(before);

        Submission afterPointer = killAt(FailPoint.AFTER_POINTER);
        String moved = latest();
        assertEquals(newestVersion(), moved, "killed after the pointer moved: LATEST names the new version");
        assertTrue(afterPointer.output().contains("broke the publish lock"), afterPointer.output());
        assertValid(moved);

        Submission rerun = submit("rerun", 3, List.of());
        assertEquals(0, rerun.await(BUILD_TIMEOUT), rerun.output());
        String last = latest();
        assertNotEquals(moved, last);
        assertValid(last);
        assertSameBundle(baselineVersion, last);
        assertFalse(fs.exists(new org.apache.hadoop.fs.Path(indexUri(), "_publish.lock")), "lock released");
        for (FileStatus entry : fs.listStatus(new org.apache.hadoop.fs.Path(indexUri()))) {
            assertFalse(entry.getPath().getName().contains(".tmp-"), "temporary file left: " + entry.getPath());
            if (entry.isDirectory() && !entry.getPath().getName().startsWith("_")) {
                assertTrue(fs.exists(new org.apache.hadoop.fs.Path(entry.getPath(), BundleLayout.SUCCESS)),
                        "only complete versions remain: " + entry.getPath());
                assertFalse(fs.exists(new org.apache.hadoop.fs.Path(entry.getPath(), BuildHeartbeat.FILE)));
            }
        }
        Command gc = Command.script(REPO, "vecforge", "gc", hdfs.path("/bundles"), INDEX, "--keep", "1",
                "--grace-hours", "0");
        assertEquals(0, gc.exitCode(), gc.output());
        assertFalse(fs.exists(versionPath(staged, "")), "gc removed the staged version the killed driver left");
        assertEquals(last, latest());
    }

    @Test
    @Order(5)
    void theTrainingStageAsksForAGpuAndTheShardStagesDoNot() throws Exception {
        assertEquals(2, spark.aliveWorkers().size());
        Submission build = submit("gpu-profile", 3, List.of("--conf", "spark.cores.max=3",
                "--conf", "spark.dynamicAllocation.enabled=true",
                "--conf", "spark.dynamicAllocation.shuffleTracking.enabled=true",
                "--conf", "spark.dynamicAllocation.minExecutors=2",
                "--conf", "spark.dynamicAllocation.initialExecutors=2",
                "--conf", "spark.dynamicAllocation.maxExecutors=2"), "--set", "train.trainer=auto");
        assertEquals(0, build.await(BUILD_TIMEOUT), build.output());
        Manifest manifest = manifest(latest());
        assertEquals(io.vecforge.bundle.Manifest.Trainer.CPU, manifest.training().trainer());
        // The worker advertises a GPU (a stand-in discovery script); the probe on this GPU-less machine says why
        // the task could not use it.
        assertTrue(manifest.training().note().contains("gpu [0], but no GPU is usable here: "), manifest.training().note());
        assertEquals(List.of("0"), manifest.runtime().trainGpus(), "Spark gave the training task the worker's GPU");
        assertNotNull(manifest.training().millis());
        assertEquals(baseline.contentHash(), manifest.contentHash(), "the CPU fallback trains the same bytes");

        EventLog events = EventLog.in(eventDir("gpu-profile"));
        Map<String, JsonNode> executors = events.executors();
        List<EventLog.TaskEnd> train = events.taskEnds(events.stagesOfJobs("vecforge: train")).stream()
                .filter(EventLog.TaskEnd::succeeded).toList();
        assertEquals(1, train.size(), train.toString());
        JsonNode trainer = executors.get(train.get(0).executor());
        assertTrue(trainer.path("Resources").has("gpu"), "the training executor holds a gpu: " + trainer);
        assertEquals(spark.worker(2).uiPort(), EventLog.workerUiPort(trainer), "trained on the GPU worker");
        Set<Integer> shardWorkers = new TreeSet<>();
        for (EventLog.TaskEnd task : events.taskEnds(events.stagesOfJobs(SHARD_JOB))) {
            JsonNode executor = executors.get(task.executor());
            assertFalse(executor.path("Resources").has("gpu"), "shard tasks run in the default profile");
            shardWorkers.add(EventLog.workerUiPort(executor));
        }
        assertTrue(shardWorkers.contains(spark.worker(1).uiPort()),
                "shard tasks also run on the worker without a GPU: " + shardWorkers);
    }

    @Test
    @Order(6)
    void executorsOnDifferentSimdLevelsAreRefusedUnlessTheLevelIsPinned() throws Exception {
        // Worker 2 stands for an older CPU: its executors' Faiss dispatches to the scalar level.
        spark.killWorker(2);
        spark.awaitWorkerGone(2);
        spark.startWorker(2, Map.of(), Map.of("FAISS_SIMD_LEVEL", "NONE"));
        List<String> bothExecutors = List.of("--conf", "spark.scheduler.minRegisteredResourcesRatio=1.0",
                "--conf", "spark.scheduler.maxRegisteredResourcesWaitingTime=120s");
        String before = latest();

        Submission mixed = submit("mixed-simd", 3, bothExecutors);
        assertEquals(30, mixed.await(BUILD_TIMEOUT), mixed.output());
        assertTrue(mixed.output().contains("tasks computed with different SIMD kernels"), mixed.output());
        assertTrue(mixed.output().contains("NONE / "), mixed.output());
        assertEquals(before, latest(), "a refused build leaves LATEST alone");
        String refused = newestVersion();
        assertTrue(hdfs.fileSystem().exists(versionPath(refused, BundleLayout.FAILED)), "the version says why it failed");
        assertFalse(hdfs.fileSystem().exists(versionPath(refused, BundleLayout.SUCCESS)));

        Submission pinned = submit("pinned-simd", 3, bothExecutors, "--set", "build.simd-level=NONE");
        assertEquals(0, pinned.await(BUILD_TIMEOUT), pinned.output());
        Manifest manifest = manifest(latest());
        assertTrue(manifest.runtime().trainDispatch().startsWith("NONE / "), manifest.runtime().trainDispatch());
        assertEquals(SHARDS, manifest.runtime().shardDispatch().size());
        manifest.runtime().shardDispatch().values().forEach(d -> assertTrue(d.startsWith("NONE / "), d));
        assertEquals(2, new HashSet<>(manifest.runtime().executors().keySet()).size(), "shards ran on both workers: "
                + manifest.runtime().executors().keySet());
        System.out.printf("pinned to NONE on mixed workers: content hash %s the baseline's (auto, %s)%n",
                manifest.contentHash().equals(baseline.contentHash()) ? "equals" : "differs from",
                baseline.runtime().trainDispatch());
    }

    /** A test that fails half-way must not leave its build running into the next test. */
    @org.junit.jupiter.api.AfterEach
    void killLeftoverBuilds() throws InterruptedException {
        for (Submission submission : running) {
            submission.close();
        }
        running.clear();
    }

    // ---- helpers

    private Submission submit(String name, int inputFiles, List<String> sparkArgs, String... extraBuildArgs)
            throws IOException {
        Path events = Files.createDirectories(eventDir(name));
        List<String> args = new ArrayList<>(List.of("--master", spark.masterUrl(),
                "--conf", "spark.executor.cores=1", "--conf", "spark.eventLog.enabled=true",
                "--conf", "spark.eventLog.dir=" + events.toUri(),
                // a driver SIGKILLed by a test leaves its scratch here, deleted with the cluster, not in /tmp
                "--conf", "spark.local.dir=" + Files.createDirectories(dir.resolve("local").resolve(name))));
        if (sparkArgs.stream().noneMatch(a -> a.startsWith("spark.cores.max"))) {
            args.addAll(List.of("--conf", "spark.cores.max=2"));
        }
        args.addAll(sparkArgs);
        List<String> build = new ArrayList<>(List.of("build", "--config",
                REPO.resolve("conf/example-index.properties").toString(), "--index", INDEX,
                "--input", hdfs.path("/data/input-" + inputFiles), "--output", hdfs.path("/bundles"),
                "--set", "index.factory=IVF64,PQ16np", "--set", "shards=" + SHARDS,
                "--set", "validate.queries=200", "--set", "build.batch-rows=4096", "--set", "train.trainer=cpu"));
        build.addAll(List.of(extraBuildArgs));
        Submission submission = Submission.start(REPO, SPARK_HOME, dir.resolve(name + ".log"), args, build);
        running.add(submission);
        return submission;
    }

    private Submission killAt(String failPoint) throws Exception {
        String name = "killed-at-" + failPoint;
        Submission build = submit(name, 3, List.of("--driver-java-options", "-D" + FailPoint.PROPERTY + "=" + failPoint));
        build.awaitOutput("FAILPOINT " + failPoint + " reached", BUILD_TIMEOUT);
        build.kill();
        return build;
    }

    private Path eventDir(String name) {
        return dir.resolve("events").resolve(name);
    }

    private String indexUri() {
        return hdfs.path("/bundles/" + INDEX);
    }

    private org.apache.hadoop.fs.Path versionPath(String version, String file) {
        org.apache.hadoop.fs.Path versionDir = new org.apache.hadoop.fs.Path(indexUri(), version);
        return file.isEmpty() ? versionDir : new org.apache.hadoop.fs.Path(versionDir, file);
    }

    private String latest() throws IOException {
        return new String(read(new org.apache.hadoop.fs.Path(indexUri(), BundleLayout.LATEST)), StandardCharsets.UTF_8)
                .trim();
    }

    /** The version directory created last (version ids sort by time). */
    private String newestVersion() throws IOException {
        TreeSet<String> versions = new TreeSet<>();
        for (FileStatus entry : hdfs.fileSystem().listStatus(new org.apache.hadoop.fs.Path(indexUri()))) {
            String name = entry.getPath().getName();
            if (entry.isDirectory() && !name.startsWith("_") && !name.startsWith(".")) {
                versions.add(name);
            }
        }
        return versions.last();
    }

    private Manifest manifest(String version) throws IOException {
        return Manifest.fromJson(read(versionPath(version, Manifest.FILE_NAME)));
    }

    private byte[] read(org.apache.hadoop.fs.Path path) throws IOException {
        try (var in = hdfs.fileSystem().open(path)) {
            return in.readAllBytes();
        }
    }

    private void assertValid(String version) throws Exception {
        Command validate = Command.script(REPO, "vecforge", "validate", versionPath(version, "").toString());
        assertEquals(0, validate.exitCode(), validate.output());
    }

    /** Byte-identical shards, trained index and hold-out files, and the same content hash. */
    private void assertSameBundle(String expectedVersion, String actualVersion) throws IOException {
        Manifest expected = manifest(expectedVersion);
        Manifest actual = manifest(actualVersion);
        assertEquals(expected.contentHash(), actual.contentHash());
        assertEquals(ROWS, actual.accounting().indexedRows());
        List<String> files = new ArrayList<>();
        expected.shards().forEach(s -> files.add(s.file()));
        expected.files().forEach(f -> files.add(f.file()));
        for (String file : files) {
            assertArrayEquals(read(versionPath(expectedVersion, file)), read(versionPath(actualVersion, file)),
                    file + " differs between " + expectedVersion + " and " + actualVersion);
        }
    }

    /** Nothing but the manifest's files, manifest.json and _SUCCESS: no attempt copies, no scratch. */
    private void assertOnlyBundleFiles(String version) throws IOException {
        Manifest manifest = manifest(version);
        Set<String> expected = new TreeSet<>(Set.of(Manifest.FILE_NAME, BundleLayout.SUCCESS));
        manifest.shards().forEach(s -> expected.add(s.file()));
        manifest.files().forEach(f -> expected.add(f.file()));
        manifest.reports().forEach(f -> expected.add(f.file()));
        Set<String> actual = new TreeSet<>();
        org.apache.hadoop.fs.Path root = versionPath(version, "");
        var files = hdfs.fileSystem().listFiles(root, true);
        while (files.hasNext()) {
            String path = files.next().getPath().toUri().getPath();
            actual.add(path.substring(root.toUri().getPath().length() + 1));
        }
        assertEquals(expected, actual);
    }

    private static double recall(JsonNode results, Fvecs.LongData truth) {
        int k = 10;
        long hits = 0;
        for (int q = 0; q < results.size(); q++) {
            Set<Long> exact = new HashSet<>();
            for (int j = 0; j < k; j++) {
                exact.add(truth.values()[q * truth.k() + j]);
            }
            for (JsonNode id : results.get(q).get("ids")) {
                if (exact.contains(id.asLong())) {
                    hits++;
                }
            }
        }
        return hits / (double) (results.size() * k);
    }
}
