package io.vecforge.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vecforge.bundle.BundleLayout;
import io.vecforge.bundle.Manifest;
import io.vecforge.data.EmbeddingParquetWriter;
import io.vecforge.jobs.config.BuildConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The adversarial run's CLI cases, table-driven: version names that try to leave the index,
 * LATEST pointers that lead outside it or to an incomplete version, bad query and threshold
 * arguments, broken config files, misplaced copies. Each case runs on a fresh copy of one
 * published index and asserts the exit code, the message, and that no file under the case's
 * directory was created, changed or deleted (so LATEST is unchanged and no half version exists).
 */
class AdversarialCliTest extends SparkTestSupport {
    private static final String INDEX = "adv";
    private static final int DIM = 8;

    @TempDir
    static Path dir;

    private static Path template;
    private static String version;

    /** Where a case runs: its root (a copy of the published index) and the published version. */
    record Place(Path caseDir, Path root, Path indexDir, String version) {
        Path versionDir() {
            return indexDir.resolve(version);
        }

        String rootArg() {
            return root.toString();
        }
    }

    @FunctionalInterface
    interface Prepare {
        void on(Place place) throws IOException;
    }

    record Case(String name, Prepare prepare, Function<Place, List<String>> args, int exitCode,
            List<String> message) {
        @Override
        public String toString() {
            return name;
        }
    }

    @BeforeAll
    void publishOneVersion() throws IOException {
        Path input = dir.resolve("input");
        EmbeddingParquetWriter.generate(new Configuration(), new org.apache.hadoop.fs.Path(input.toUri()), 2_000,
                DIM, 2, 7, "id", "vector");
        template = dir.resolve("template");
        BuildConfig config = BuildConfig.of(Map.of("index.name", INDEX, "input.path", input.toUri().toString(),
                "output.root", template.toUri().toString(), "index.factory", "IVF16,Flat", "shards", "2",
                "validate.queries", "20"), "test");
        version = new BuildJob(spark(), config).run().manifest().version();
    }

    static Stream<Case> cases() {
        String other = "20260101-other";
        return Stream.of(
                c("unpin ../<published version>", p -> { }, p -> List.of("unpin", p.rootArg(), INDEX, "../" + p.version()),
                        2, "'../", "is not a version name"),
                c("unpin an empty name", p -> { }, p -> List.of("unpin", p.rootArg(), INDEX, ""), 2, "it is empty"),
                c("pin ../LATEST", p -> { }, p -> List.of("pin", p.rootArg(), INDEX, "../LATEST"), 2,
                        "'../LATEST' is not a version name"),
                c("publish ../other/V", p -> copyTree(p.versionDir(), p.root().resolve("other").resolve(other)),
                        p -> List.of("publish", p.rootArg(), INDEX, "../other/" + other), 2, "is not a version name"),
                c("publish an absolute path", p -> { },
                        p -> List.of("publish", p.rootArg(), INDEX, p.versionDir().toString()), 2, "is not a version name"),
                c("publish ../LATEST", p -> { }, p -> List.of("publish", p.rootArg(), INDEX, "../LATEST"), 2,
                        "is not a version name"),
                c("publish an empty name", p -> { }, p -> List.of("publish", p.rootArg(), INDEX, ""), 2, "it is empty"),
                c("rollback --to ../V", p -> { }, p -> List.of("rollback", p.rootArg(), INDEX, "--to", "../" + p.version()),
                        2, "is not a version name"),
                c("gc with HISTORY naming a directory outside the index", p -> {
                    copyTree(p.versionDir(), p.root().resolve(other));
                    Files.writeString(p.indexDir().resolve("HISTORY.jsonl"), "{\"action\":\"build\",\"from\":\"../"
                            + other + "\",\"to\":\"" + p.version() + "\"}\n", StandardCharsets.UTF_8,
                            java.nio.file.StandardOpenOption.APPEND);
                }, p -> List.of("gc", p.rootArg(), INDEX, "--keep", "1", "--grace-hours", "0"), 0, "0 version(s) deleted"),
                latest("validate", "../x", 4, "names '../x'", "refusing to follow it"),
                latest("search", "../x", 4, "names '../x'"),
                latest("inspect", "../x", 4, "names '../x'"),
                c("publish while LATEST names ../x", p -> {
                    copyTree(p.versionDir(), p.root().resolve("x"));
                    Files.writeString(p.indexDir().resolve(BundleLayout.LATEST), "../x\n");
                }, p -> List.of("publish", p.rootArg(), INDEX, p.version()), 4, "names '../x'"),
                c("validate with LATEST naming an absolute path", p -> Files.writeString(
                        p.indexDir().resolve(BundleLayout.LATEST), p.versionDir() + "\n"),
                        p -> List.of("validate", p.indexDir().toString()), 4, "is not a version of this index"),
                c("validate with LATEST naming a version without _SUCCESS", p -> incompleteLatest(p, false),
                        p -> List.of("validate", p.indexDir().toString()), 11, "never completed"),
                c("search with LATEST naming a version without _SUCCESS", p -> incompleteLatest(p, false),
                        p -> List.of("search", p.indexDir().toString(), "--vector", "1,2,3,4,5,6,7,8"), 4,
                        "is not complete"),
                c("inspect with LATEST naming a version without _SUCCESS", p -> incompleteLatest(p, false),
                        p -> List.of("inspect", p.indexDir().toString()), 4, "is not complete"),
                c("validate with LATEST naming a version whose manifest changed", p -> incompleteLatest(p, true),
                        p -> List.of("validate", p.indexDir().toString()), 11, "does not vouch for this manifest"),
                c("search with LATEST naming a version whose manifest changed", p -> incompleteLatest(p, true),
                        p -> List.of("search", p.indexDir().toString(), "--vector", "1,2,3,4,5,6,7,8"), 4,
                        "is not complete"),
                c("search a version directory without _SUCCESS", p -> Files.delete(
                        p.versionDir().resolve(BundleLayout.SUCCESS)),
                        p -> List.of("search", p.versionDir().toString(), "--vector", "1,2,3,4,5,6,7,8"), 4,
                        "is not complete"),
                c("search with a NaN query", p -> { }, p -> List.of("search", p.indexDir().toString(), "--vector",
                        "1,2,3,NaN,5,6,7,8"), 2, "component 3 is NaN"),
                c("search with an infinite query", p -> { }, p -> List.of("search", p.indexDir().toString(),
                        "--vector", "1,2,3,4,5,6,7,Infinity"), 2, "component 7 is Infinity"),
                c("search with -k 0", p -> { }, p -> List.of("search", p.indexDir().toString(), "--vector",
                        "1,2,3,4,5,6,7,8", "-k", "0"), 2, "-k must be at least 1"),
                c("validate --min-recall 1.5", p -> { }, p -> List.of("validate", "--min-recall", "1.5",
                        p.indexDir().toString()), 2, "--min-recall must be within [0, 1]"),
                c("validate --min-recall -0.1", p -> { }, p -> List.of("validate", "--min-recall", "-0.1",
                        p.indexDir().toString()), 2, "--min-recall must be within [0, 1]"),
                c("validate a version copied under another version name", p -> copyTree(p.versionDir(),
                        p.indexDir().resolve("20260101-renamed")),
                        p -> List.of("validate", p.indexDir().resolve("20260101-renamed").toString()), 19,
                        "lies in '20260101-renamed'"),
                c("validate a version copied into another index", p -> {
                    copyTree(p.indexDir(), p.root().resolve("copied"));
                }, p -> List.of("validate", p.root().resolve("copied").resolve(p.version()).toString()), 19,
                        "of index 'adv' but lies in index 'copied'"),
                c("a config file that sets a key twice", p -> Files.writeString(p.caseDir().resolve("dup.properties"),
                        "# test\nindex.name=adv\nshards=2\nindex.factory=IVF16,Flat\nshards=3\n"),
                        p -> List.of("build", "--config", p.caseDir().resolve("dup.properties").toString(),
                                "--input", p.caseDir().resolve("absent").toString(), "--output", p.rootArg()), 2,
                        "sets 'shards' twice: on line 3 and on line 5"),
                c("a config file that is not UTF-8", p -> Files.write(p.caseDir().resolve("latin1.properties"),
                        "index.name=adv\nairflow.owner=J\u00fcrgen\n".getBytes(StandardCharsets.ISO_8859_1)),
                        p -> List.of("build", "--config", p.caseDir().resolve("latin1.properties").toString(),
                                "--input", p.caseDir().resolve("absent").toString(), "--output", p.rootArg()), 2,
                        "latin1.properties is not UTF-8", "byte 0xfc", "line 2"),
                c("a config file that does not exist", p -> { },
                        p -> List.of("build", "--config", p.caseDir().resolve("absent.properties").toString(),
                                "--input", p.caseDir().resolve("absent").toString(), "--output", p.rootArg()), 2,
                        "absent.properties does not exist"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void refusedOrHarmless(Case c) throws IOException {
        Path caseDir = dir.resolve("case-" + c.name().replaceAll("[^A-Za-z0-9]+", "-"));
        Path root = caseDir.resolve("root");
        copyTree(template, root);
        Place place = new Place(caseDir, root, root.resolve(INDEX), version);
        c.prepare().on(place);
        Map<String, String> before = snapshot(caseDir);

        Cli cli = Cli.run(c.args().apply(place).toArray(String[]::new));

        String output = cli.out() + cli.err();
        assertEquals(c.exitCode(), cli.exitCode(), output);
        for (String part : c.message()) {
            assertTrue(output.contains(part), "'" + part + "' not in: " + output);
        }
        assertEquals(before, snapshot(caseDir), "no file was created, changed or deleted");
    }

    private static Case c(String name, Prepare prepare, Function<Place, List<String>> args, int exitCode,
            String... message) {
        return new Case(name, prepare, args, exitCode, List.of(message));
    }

    /** LATEST rewritten to {@code pointer} (a complete copy of the version lies there, as bait). */
    private static Case latest(String command, String pointer, int exitCode, String... message) {
        return c(command + " with LATEST naming " + pointer, p -> {
            copyTree(p.versionDir(), p.indexDir().resolve(pointer).normalize());
            Files.writeString(p.indexDir().resolve(BundleLayout.LATEST), pointer + "\n");
        }, p -> command.equals("search") ? List.of(command, p.indexDir().toString(), "--vector", "1,2,3,4,5,6,7,8")
                : List.of(command, p.indexDir().toString()), exitCode, message);
    }

    /** LATEST moved to a copy of the version that lacks _SUCCESS, or whose manifest was edited. */
    private static void incompleteLatest(Place p, boolean editManifest) throws IOException {
        String copy = "20260102-copy";
        Path copyDir = p.indexDir().resolve(copy);
        copyTree(p.versionDir(), copyDir);
        if (editManifest) {
            ObjectMapper json = new ObjectMapper();
            ObjectNode manifest = (ObjectNode) json.readTree(copyDir.resolve(Manifest.FILE_NAME).toFile());
            manifest.put("version", copy);
            ((ObjectNode) manifest.get("validation")).put("minRecall", 0.0);
            Files.write(copyDir.resolve(Manifest.FILE_NAME), Manifest.fromJson(json.writeValueAsBytes(manifest)).toJson());
        } else {
            Files.delete(copyDir.resolve(BundleLayout.SUCCESS));
        }
        Files.writeString(p.indexDir().resolve(BundleLayout.LATEST), copy + "\n");
    }

    /** Every file under dir with its size and content hash. */
    private static Map<String, String> snapshot(Path dir) throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                String key = dir.relativize(p).toString();
                files.put(key, Files.isDirectory(p) ? "dir" : Files.size(p) + ":" + java.util.Arrays.hashCode(
                        Files.readAllBytes(p)));
            }
        }
        return files;
    }

    static void copyTree(Path from, Path to) throws IOException {
        List<Path> sources = new ArrayList<>();
        try (Stream<Path> files = Files.walk(from)) {
            files.forEach(sources::add);
        }
        for (Path source : sources) {
            Path target = to.resolve(from.relativize(source).toString());
            if (Files.isDirectory(source)) {
                Files.createDirectories(target);
            } else {
                Files.copy(source, target);
            }
        }
    }
}
