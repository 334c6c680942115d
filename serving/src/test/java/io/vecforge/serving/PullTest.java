package io.vecforge.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vecforge.Failure;
import io.vecforge.bundle.BundleLayout;
import io.vecforge.bundle.BundleStorage;
import io.vecforge.bundle.Fvecs;
import io.vecforge.bundle.Manifest;
import io.vecforge.faiss.Neighbours;
import io.vecforge.validate.TestBundle;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class PullTest {
    @TempDir
    Path dir;

    private Path node() {
        return dir.resolve("node");
    }

    private Path indexDir() {
        return dir.resolve("bundles").resolve(TestBundle.INDEX_NAME);
    }

    record Run(int code, String out, String err) {}

    private Run pull(String... extra) {
        List<String> args = new ArrayList<>(List.of("--from", indexDir().toUri().toString(), "--to", node().toString()));
        args.addAll(List.of(extra));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = PullCommand.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    private String current() throws Exception {
        return Files.readSymbolicLink(node().resolve("current")).getFileName().toString();
    }

    @Test
    void pullsVerifiesAndSwitchesThenSwitchesAgainAndReusesNothingTwice() throws Exception {
        TestBundle first = TestBundle.write(dir);
        Run run = pull();
        assertEquals(0, run.code(), run.err());
        assertEquals(first.manifest.version(), current());
        Path pulled = node().resolve("current");
        for (Manifest.Shard shard : first.manifest.shards()) {
            assertEquals(shard.bytes(), Files.size(pulled.resolve(shard.file())));
        }
        assertTrue(Files.exists(pulled.resolve(BundleLayout.SUCCESS)));

        Run again = pull();
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("0 bytes downloaded"), again.out());

        Thread.sleep(1100); // a new version id
        TestBundle second = TestBundle.write(dir);
        Run newer = pull();
        assertEquals(0, newer.code(), newer.err());
        assertEquals(second.manifest.version(), current());
        assertTrue(newer.out().contains("(was " + first.manifest.version() + ")"), newer.out());
    }

    @Test
    void aRollbackIsFollowedByTheNextPull() throws Exception {
        TestBundle first = TestBundle.write(dir);
        assertEquals(0, pull().code());
        Thread.sleep(1100);
        TestBundle.write(dir);
        assertEquals(0, pull().code());
        BundleStorage storage = BundleStorage.forUri(dir.toUri(), new Configuration());
        io.vecforge.bundle.IndexLifecycle lifecycle = new io.vecforge.bundle.IndexLifecycle(storage,
                new BundleLayout(new org.apache.hadoop.fs.Path(dir.resolve("bundles").toUri()), TestBundle.INDEX_NAME));
        lifecycle.rollback(first.manifest.version());
        Run back = pull();
        assertEquals(0, back.code(), back.err());
        assertEquals(first.manifest.version(), current());
        assertTrue(back.out().contains("0 bytes downloaded"), "the kept local copy is reused: " + back.out());
    }

    @Test
    void aFileTheServedVersionHoldsIsReusedNotDownloadedAndItsDamageAtTheSourceNeverRead() throws Exception {
        TestBundle first = TestBundle.write(dir);
        assertEquals(0, pull().code());
        Thread.sleep(1100);
        TestBundle second = TestBundle.write(dir); // the same files under a new version, as a delta's untouched shards
        try (RandomAccessFile shard = new RandomAccessFile(second.local("shard-00001.faiss").toFile(), "rw")) {
            shard.setLength(shard.length() - 1); // the source's copy is damaged; the served one matches the manifest
        }
        Run run = pull();
        assertEquals(0, run.code(), run.err());
        assertEquals(second.manifest.version(), current());
        int files = second.manifest.shards().size() + second.manifest.files().size();
        assertTrue(run.out().contains(files + " files, " + files + " reused, 0 bytes downloaded"), run.out());
        Path served = node().resolve("versions").resolve(first.manifest.version()).resolve("shard-00001.faiss");
        Path reused = node().resolve("versions").resolve(second.manifest.version()).resolve("shard-00001.faiss");
        assertEquals(Files.getAttribute(served, "unix:ino"), Files.getAttribute(reused, "unix:ino"), "a hard link");
    }

    @Test
    void anInterruptedPullResumesWithoutFetchingCompleteFilesAgain() throws Exception {
        TestBundle bundle = TestBundle.write(dir);
        Path local = node().resolve("versions").resolve(bundle.manifest.version());
        Files.createDirectories(local);
        // As a killed pull leaves it: two complete shards, half of the third as .part, nothing else.
        Files.copy(bundle.local("shard-00000.faiss"), local.resolve("shard-00000.faiss"));
        Files.copy(bundle.local("shard-00001.faiss"), local.resolve("shard-00001.faiss"));
        byte[] third = Files.readAllBytes(bundle.local("shard-00002.faiss"));
        Files.write(local.resolve("shard-00002.faiss.part"), java.util.Arrays.copyOf(third, third.length / 2));

        Run run = pull();
        assertEquals(0, run.code(), run.err());
        long total = bundle.manifest.files().stream().mapToLong(f -> f.bytes()).sum() + third.length;
        long expected = total - third.length / 2;
        assertTrue(run.out().contains("2 reused, " + expected + " bytes downloaded"), run.out());
        assertEquals(bundle.manifest.version(), current());
        assertFalse(Files.exists(local.resolve("shard-00002.faiss.part")));
    }

    @Test
    void nodeIofNPullsItsShardsAndTheSharedFiles() throws Exception {
        TestBundle bundle = TestBundle.write(dir);
        Run run = pull("--node", "1/2");
        assertEquals(0, run.code(), run.err());
        Path pulled = node().resolve("current");
        assertTrue(Files.exists(pulled.resolve("shard-00001.faiss")));
        assertFalse(Files.exists(pulled.resolve("shard-00000.faiss")));
        assertFalse(Files.exists(pulled.resolve("shard-00002.faiss")));
        assertTrue(Files.exists(pulled.resolve(BundleLayout.TRAINED_INDEX)));
        assertTrue(Files.exists(pulled.resolve(BundleLayout.QUERIES)));
        assertEquals(2, pull("--node", "2/2").code());
    }

    @Test
    void aFailingOnActivateCommandSwitchesBack() throws Exception {
        TestBundle first = TestBundle.write(dir);
        Path marker = dir.resolve("activated");
        Run ok = pull("--on-activate", "echo $VECFORGE_VERSION > " + marker);
        assertEquals(0, ok.code(), ok.err());
        assertEquals(first.manifest.version(), Files.readString(marker).trim());
        Thread.sleep(1100);
        TestBundle.write(dir);
        Run failing = pull("--on-activate", "exit 3");
        assertEquals(Failure.ACTIVATE_FAILED.exitCode(), failing.code(), failing.err());
        assertEquals(first.manifest.version(), current());
    }

    @Test
    void aPublishDuringAPullDoesNotMixVersions() throws Exception {
        TestBundle first = TestBundle.write(dir);
        BundleStorage storage = BundleStorage.forUri(indexDir().toUri(), new Configuration());
        List<String> publishedMeanwhile = new ArrayList<>();
        Puller.Options options = new Puller.Options(null, 0, 1, 3, null, 2, 1L << 40, 0, () -> {
            try {
                Thread.sleep(1100);
                publishedMeanwhile.add(TestBundle.write(dir).manifest.version());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Puller.Result result = new Puller(storage, new org.apache.hadoop.fs.Path(indexDir().toUri()), node(),
                options).pull();
        assertEquals(first.manifest.version(), result.version(), "the version resolved at the start");
        assertEquals(first.manifest.version(), current());
        assertEquals(1, publishedMeanwhile.size());
        assertEquals(publishedMeanwhile.get(0), Files.readString(indexDir().resolve(BundleLayout.LATEST)).trim());
    }

    @Test
    void keepsOnlyTheNewestLocalVersions() throws Exception {
        for (int i = 0; i < 3; i++) {
            TestBundle.write(dir);
            assertEquals(0, pull("--keep", "2").code());
            Thread.sleep(1100);
        }
        try (Stream<Path> versions = Files.list(node().resolve("versions"))) {
            assertEquals(2, versions.count());
        }
    }

    // ---- refusals: each its own exit code, current unchanged ----

    @Test
    void aFlippedByteInAShardIsRefused() throws Exception {
        refused(Failure.DOWNLOAD_CHECKSUM_MISMATCH, "shard-00001.faiss", bundle -> {
            try (RandomAccessFile shard = new RandomAccessFile(bundle.local("shard-00001.faiss").toFile(), "rw")) {
                shard.seek(shard.length() / 2);
                int b = shard.read();
                shard.seek(shard.length() / 2);
                shard.write(b ^ 0x20);
            }
        }, "shard-00001.faiss");
    }

    @Test
    void aTruncatedShardIsRefused() throws Exception {
        refused(Failure.DOWNLOAD_SIZE_MISMATCH, "shard-00002.faiss", bundle -> {
            try (RandomAccessFile shard = new RandomAccessFile(bundle.local("shard-00002.faiss").toFile(), "rw")) {
                shard.setLength(shard.length() - 100);
            }
        }, "shard-00002.faiss");
    }

    @Test
    void aManifestNamingAParentPathIsRefused() throws Exception {
        refused(Failure.PATH_TRAVERSAL, "../../x", bundle -> {
            bundle.set("/shards/0/file", "../../x");
        });
        assertFalse(Files.exists(dir.resolve("x")), "nothing written outside the target");
    }

    @Test
    void aManifestListingOneFileTwiceIsRefusedForThatReason() throws Exception {
        refused(Failure.DUPLICATE_FILE, "more than once", bundle -> {
            bundle.edit(tree -> tree.withArray("files").add(((ObjectNode) tree.get("files").get(0)).deepCopy().put("bytes", 1)));
        });
    }

    @Test
    void aLatestNamingAPathOutsideTheIndexIsRefused() throws Exception {
        refused(Failure.PATH_TRAVERSAL, "../", bundle -> Files.writeString(
                indexDir().resolve(io.vecforge.bundle.BundleLayout.LATEST), "../" + bundle.manifest.version() + "\n"));
    }

    @Test
    void aManifestNamingAnAbsolutePathIsRefused() throws Exception {
        refused(Failure.ABSOLUTE_PATH, "/etc/passwd", bundle -> {
            bundle.set("/files/0/file", "/etc/passwd");
        });
    }

    @Test
    void aSymlinkPlantedInTheSourceIsRefused() throws Exception {
        refused(Failure.SYMLINK, "shard-00000.faiss", bundle -> {
            Path shard = bundle.local("shard-00000.faiss");
            Path elsewhere = dir.resolve("elsewhere.faiss");
            Files.move(shard, elsewhere);
            Files.createSymbolicLink(shard, elsewhere);
        }, "shard-00000.faiss");
    }

    @Test
    void aBundleThisPullersFaissCannotReadIsRefusedBeforeTheSwitch() throws Exception {
        refused(Failure.FAISS_TOO_OLD, "needs Faiss 99.1 or newer to read", bundle -> {
            bundle.set("/faissMinReader", "99.1");
        });
        refused(Failure.FAISS_TOO_OLD, "needs Faiss ../1 or newer", bundle -> { // no version: never readable
            bundle.set("/faissMinReader", "../1");
        });
    }

    @Test
    void stockFaissPythonRefusesABundleItsFaissCannotReadAndReadsOneItCan() throws Exception {
        TestBundle bundle = TestBundle.write(dir);
        assertEquals("1.7.3", bundle.manifest.faissMinReader(), "IVF,PQ files are readable by Faiss 1.7.3");
        bundle.set("/faissMinReader", "1.15.0"); // as a factory only Faiss 1.15 reads would record
        assertEquals(0, pull().code(), "this puller's Faiss is 1.15.0");
        Path current = node().resolve("current");
        Path repo = Path.of("..").toAbsolutePath().normalize();
        for (String python : List.of("/usr/bin/python3", repo.resolve(".venv-faiss/bin/python").toString())) {
            Process process = new ProcessBuilder(python, repo.resolve("scripts/vecforge_bundle.py").toString(),
                    current.toString(), "--queries", current.resolve(BundleLayout.QUERIES).toString()).start();
            String out = new String(process.getInputStream().readAllBytes());
            String err = new String(process.getErrorStream().readAllBytes());
            int code = process.waitFor();
            if (python.startsWith("/usr/bin")) { // Debian's faiss 1.7.3
                assertEquals(3, code, out + err);
                assertTrue(err.contains("needs Faiss 1.15.0 or newer to read") && err.contains("faiss 1.7.3"), err);
                assertEquals("", out, "nothing searched");
            } else {
                assertEquals(0, code, err);
            }
        }
    }

    @Test
    void anOversizedFileIsRefused() throws Exception {
        TestBundle.write(dir);
        Run run = pull("--max-file-bytes", "1000");
        assertEquals(Failure.TOO_LARGE.exitCode(), run.code(), run.err());
    }

    @Test
    void stockFaissPythonReadsThePulledBundleWithTheSameTopTen() throws Exception {
        TestBundle bundle = TestBundle.write(dir);
        assertEquals(0, pull().code());
        Path current = node().resolve("current");
        Path queries = current.resolve(BundleLayout.QUERIES);
        Set<String> expected = javaTopTen(current, bundle.manifest);
        Path repo = Path.of("..").toAbsolutePath().normalize();
        for (String python : List.of("/usr/bin/python3", repo.resolve(".venv-faiss/bin/python").toString())) {
            Process process = new ProcessBuilder(python, repo.resolve("scripts/vecforge_bundle.py").toString(),
                    node().resolve("current").toString(), "--queries", queries.toString(), "-k", "10")
                    .redirectErrorStream(false).start();
            String out = new String(process.getInputStream().readAllBytes());
            String err = new String(process.getErrorStream().readAllBytes());
            assertEquals(0, process.waitFor(), python + ": " + err);
            com.fasterxml.jackson.databind.JsonNode results =
                    new com.fasterxml.jackson.databind.ObjectMapper().readTree(out).get("results");
            Set<String> got = new java.util.TreeSet<>();
            for (int q = 0; q < results.size(); q++) {
                got.add(q + ":" + results.get(q).get("ids").toString().replace("[", "").replace("]", ""));
            }
            assertEquals(expected, got, python + " (faiss " + new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(out).get("faiss").asText() + ")");
        }
    }

    private static Set<String> javaTopTen(Path version, Manifest manifest) throws Exception {
        io.vecforge.bundle.Fvecs.Data queries = io.vecforge.bundle.Fvecs.read(version.resolve(BundleLayout.QUERIES));
        io.vecforge.faiss.Neighbours merged = new io.vecforge.faiss.Neighbours(queries.n(), 10, true);
        for (Manifest.Shard shard : manifest.shards()) {
            try (io.vecforge.faiss.FaissIndex index = io.vecforge.faiss.FaissIndex.read(version.resolve(shard.file()))) {
                index.setNprobe(manifest.validation().nprobe());
                merged.offerAll(index.search(queries.vectors(), queries.n(), 10));
            }
        }
        Set<String> rows = new java.util.TreeSet<>();
        for (int q = 0; q < queries.n(); q++) {
            List<String> ids = new ArrayList<>();
            for (int r = 0; r < 10; r++) {
                ids.add(String.valueOf(merged.id(q, r)));
            }
            rows.add(q + ":" + String.join(",", ids));
        }
        return rows;
    }

    interface Damage {
        void apply(TestBundle bundle) throws Exception;
    }

    private void refused(Failure failure, String named, Damage damage) throws Exception {
        refused(failure, named, damage, null);
    }

    /**
     * @param download a file the served version is made to lack, so that the pull downloads it (a file the
     *     served version holds with the manifest's CRC32C is taken from there, and its damage never read)
     */
    private void refused(Failure failure, String named, Damage damage, String download) throws Exception {
        TestBundle good = TestBundle.write(dir);
        assertEquals(0, pull().code());
        if (download != null) {
            Files.delete(node().resolve("current").resolve(download));
        }
        Thread.sleep(1100);
        TestBundle bad = TestBundle.write(dir);
        damage.apply(bad);
        Run run = pull();
        assertEquals(failure.exitCode(), run.code(), run.err());
        assertTrue(run.err().contains(named), run.err());
        assertEquals(good.manifest.version(), current(), "current is unchanged");
        try (Stream<Path> files = Files.walk(node())) {
            Set<String> outside = files.map(p -> node().relativize(p).toString())
                    .filter(p -> !p.isEmpty() && !p.startsWith("versions") && !p.equals("current"))
                    .collect(Collectors.toSet());
            assertEquals(Set.of(), outside, "nothing but versions/ and current in the target");
        }
    }
}
