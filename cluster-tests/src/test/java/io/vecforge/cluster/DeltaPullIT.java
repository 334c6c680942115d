package io.vecforge.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecforge.bundle.BundleLayout;
import io.vecforge.bundle.Manifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A serving node pulling a delta version moves only what the delta changed: the shards it touched and
 * the ground truth; every other file (the untouched shards, the trained index, the queries) is
 * reused from the node's current copy by CRC32C, and the log says how many bytes moved. Runs the
 * packaged CLI and vecforge-pull, as a node would.
 */
class DeltaPullIT {
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern PULLED = Pattern.compile("\\((\\d+) files, (\\d+) reused, (\\d+) bytes downloaded\\)");

    @TempDir
    Path dir;

    @Test
    void aPullOfADeltaVersionDownloadsOnlyTheChangedShards() throws Exception {
        Path root = dir.resolve("bundles");
        Path node = dir.resolve("node");
        run("vecforge", "gen-data", "-o", dir.resolve("base").toString(), "--rows", "20000", "--dim", "16",
                "--files", "2");
        run("vecforge", "build", "--config", REPO.resolve("conf/example-index.properties").toString(),
                "--input", dir.resolve("base").toUri().toString(), "--output", root.toUri().toString(),
                "--index", "pulled", "--set", "index.factory=IVF64,PQ4np", "--set", "shards=8",
                "--set", "validate.min-recall=0.1");
        String indexUri = root.resolve("pulled").toUri().toString();
        run("vecforge-pull", "--from", indexUri, "--to", node.toString());

        // three rows: a delete, a replacement and an insert, so at most three of eight shards change
        run("vecforge", "gen-data", "-o", dir.resolve("delta").toString(), "--delta-of", "20000", "--rows", "4",
                "--dim", "16", "--files", "1");
        run("vecforge", "build", "--config", REPO.resolve("conf/example-index.properties").toString(),
                "--input", dir.resolve("delta").toUri().toString(), "--output", root.toUri().toString(),
                "--index", "pulled", "--set", "index.factory=IVF64,PQ4np", "--set", "shards=8",
                "--set", "validate.min-recall=0.1", "--mode", "delta");
        String version = Files.readString(root.resolve("pulled").resolve(BundleLayout.LATEST)).trim();
        Manifest manifest = Manifest.fromJson(Files.readAllBytes(root.resolve("pulled").resolve(version)
                .resolve(Manifest.FILE_NAME)));
        assertEquals(20000 - 2 + 1, manifest.shardRows());
        int changed = manifest.delta().changedShards().size();
        assertTrue(changed >= 1 && changed <= 4, "changed " + manifest.delta().changedShards());

        Command pull = run("vecforge-pull", "--from", indexUri, "--to", node.toString());
        Matcher m = PULLED.matcher(pull.output());
        assertTrue(m.find(), pull.output());
        long expected = 0;
        int unchanged = 0;
        for (Manifest.Shard shard : manifest.shards()) {
            if (manifest.delta().changedShards().contains(shard.shard())) {
                expected += shard.bytes();
            } else {
                unchanged++;
            }
        }
        for (Manifest.BundleFile file : manifest.files()) {
            if (file.role() == Manifest.FileRole.HOLDOUT_GROUND_TRUTH
                    || file.role() == Manifest.FileRole.HOLDOUT_GROUND_TRUTH_DISTANCES) {
                expected += file.bytes(); // the delta's ground truth may differ from the base's
            }
        }
        System.out.printf("delta pull of %s (%d of %d shards changed): %s; changed shards and ground truth %d bytes%n",
                version, changed, manifest.shards().size(), m.group(0), expected);
        int reused = Integer.parseInt(m.group(2));
        long downloaded = Long.parseLong(m.group(3));
        assertTrue(reused >= unchanged + 2, "reused " + reused + ": the " + unchanged + " untouched shards, the"
                + " trained index and the queries at least; " + pull.output());
        assertTrue(downloaded <= expected, "downloaded " + downloaded + " bytes, the changed shards and ground truth"
                + " are " + expected + ": " + pull.output());
        for (Manifest.Shard shard : manifest.shards()) {
            assertArrayEquals(Files.readAllBytes(root.resolve("pulled").resolve(version).resolve(shard.file())),
                    Files.readAllBytes(node.resolve("current").resolve(shard.file())), shard.file());
        }
    }

    private static Command run(String script, String... args) throws Exception {
        Command command = Command.script(REPO, script, args);
        assertEquals(0, command.exitCode(), command.output());
        return command;
    }
}
