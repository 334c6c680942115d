package io.vecforge.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecforge.validate.TestBundle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged vecforge-pull jar killed (SIGKILL) mid-download, then run again. */
class KilledPullIT {
    @TempDir
    Path dir;

    @Test
    void aKilledPullResumesAndNeverActivatesAPartialVersion() throws Exception {
        TestBundle bundle = TestBundle.write(dir);
        long total = bundle.manifest.shards().stream().mapToLong(s -> s.bytes()).sum()
                + bundle.manifest.files().stream().mapToLong(f -> f.bytes()).sum();
        Path node = dir.resolve("node");
        String from = dir.resolve("bundles").resolve(TestBundle.INDEX_NAME).toUri().toString();

        // ~4 s at this rate: killed after ~2 s, mid-way through some file.
        long rate = Math.max(1, total / 4);
        Process slow = pull(from, node, "--limit-rate", String.valueOf(rate), "--threads", "1");
        Path versionDir = node.resolve("versions").resolve(bundle.manifest.version());
        waitForPartialFile(versionDir);
        slow.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        assertFalse(Files.exists(node.resolve("current")), "current never points at a partial version");
        long complete;
        try (Stream<Path> files = Files.walk(versionDir)) {
            complete = files.filter(Files::isRegularFile).filter(p -> !p.toString().endsWith(".part"))
                    .mapToLong(p -> p.toFile().length()).sum();
        }
        long partial;
        try (Stream<Path> files = Files.walk(versionDir)) {
            partial = files.filter(p -> p.toString().endsWith(".part")).mapToLong(p -> p.toFile().length()).sum();
        }
        assertTrue(partial > 0, "the kill left a partial file");

        Process rerun = pull(from, node);
        String out = new String(rerun.getInputStream().readAllBytes());
        assertTrue(rerun.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, rerun.exitValue(), out);
        assertTrue(out.contains((total - complete - partial) + " bytes downloaded"),
                "only what was missing is fetched (total " + total + ", complete " + complete + ", partial " + partial
                        + "): " + out);
        assertEquals(bundle.manifest.version(), Files.readSymbolicLink(node.resolve("current")).getFileName().toString());
    }

    private static void waitForPartialFile(Path versionDir) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < deadline) {
            if (Files.isDirectory(versionDir)) {
                try (Stream<Path> files = Files.walk(versionDir)) {
                    List<Path> found = files.filter(Files::isRegularFile).toList();
                    boolean someComplete = found.stream().anyMatch(p -> !p.toString().endsWith(".part"));
                    boolean somePartial = found.stream().anyMatch(p -> p.toString().endsWith(".part")
                            && p.toFile().length() > 0);
                    if (someComplete && somePartial) {
                        return;
                    }
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the slow pull never got mid-way");
    }

    private static Process pull(String from, Path node, String... extra) throws Exception {
        Path jar;
        try (Stream<Path> jars = Files.list(Path.of("target"))) {
            jar = jars.filter(p -> p.getFileName().toString().endsWith("-all.jar")).findFirst().orElseThrow();
        }
        List<String> command = new java.util.ArrayList<>(List.of("java", "-jar", jar.toString(), "--from", from,
                "--to", node.toString()));
        command.addAll(List.of(extra));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }
}
