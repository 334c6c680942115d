package io.vecforge.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecforge.FailPoint;
import io.vecforge.bundle.BundleLayout;
import io.vecforge.bundle.Completion;
import io.vecforge.bundle.Manifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backfill and a daily run publishing one index with `vecforge publish --if-newer` at the same
 * moment, as two processes of the packaged CLI, in bounded rounds; the backfill is held (a pause
 * failpoint) after deciding its date rule on the baseline, so the daily run publishes in between:
 * the race that moved LATEST back before the rule was decided under the commit. LATEST always ends
 * on the newer logical date: the backfill loses the compare-and-swap, decides again on what LATEST
 * names then, and is refused (exit 4) naming the newer version that stays.
 */
class ConcurrentPublishIT {
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final int ROUNDS = 12;
    /** Longer than a second CLI process takes to start and publish on 2 busy cores. */
    private static final int PAUSE_MILLIS = 4000;

    @TempDir
    Path dir;

    @Test
    void aBackfillRacingADailyRunNeverMovesLatestBack() throws Exception {
        Path index = dir.resolve("idx");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        int raced = 0;
        try {
            for (int round = 0; round < ROUNDS; round++) {
                String baseline = String.format("20261129-base%02d", round);
                String older = String.format("20261130-older%02d", round);
                String newer = String.format("20261201-newer%02d", round);
                for (String version : List.of(baseline, older, newer)) {
                    complete(index, version);
                }
                Files.writeString(index.resolve(BundleLayout.LATEST), baseline + "\n");
                CyclicBarrier start = new CyclicBarrier(2);
                Future<Command> backfill = pool.submit(() -> {
                    start.await();
                    // held between deciding its date rule and committing, so that the daily run overtakes it
                    return Command.run(List.of(REPO.resolve("scripts/vecforge").toString(), "publish", "--if-newer",
                            index.toString(), older), Map.of("VECFORGE_JAVA_OPTS", "-Xmx512m -D" + FailPoint.PROPERTY
                            + "=" + FailPoint.PUBLISH_DECIDED + ":pause-" + PAUSE_MILLIS));
                });
                Future<Command> daily = pool.submit(() -> {
                    start.await();
                    return Command.script(REPO, "vecforge", "publish", "--if-newer", index.toString(), newer);
                });
                Command old = backfill.get();
                Command fresh = daily.get();
                assertEquals(0, fresh.exitCode(), fresh.output());
                assertEquals(newer, Files.readString(index.resolve(BundleLayout.LATEST)).trim(),
                        "round " + round + ": LATEST moved back. backfill: " + old.output() + " daily: " + fresh.output());
                // overtaken while held: refused (exit 4) naming the newer version that stays; or the daily run
                // was first even before the backfill read LATEST: it stays, exit 0
                if (old.exitCode() == 4) {
                    raced++;
                    assertTrue(old.output().contains("LATEST stays on " + newer), "round " + round + ": "
                            + old.output());
                } else {
                    assertEquals(0, old.exitCode(), "round " + round + ": " + old.output());
                    assertTrue(old.output().contains("stays on " + newer), "round " + round + ": " + old.output());
                }
            }
            System.out.printf("%d of %d rounds raced (the backfill overtaken after deciding)%n", raced, ROUNDS);
            assertTrue(raced > 0, "no round raced: the backfill never decided before the daily run published");
        } finally {
            pool.shutdownNow();
        }
    }

    private static void complete(Path index, String version) throws Exception {
        byte[] json = Manifest.fromJson(String.format("{\"indexName\": \"%s\", \"version\": \"%s\"}",
                index.getFileName(), version).getBytes(java.nio.charset.StandardCharsets.UTF_8)).toJson();
        Path versionDir = Files.createDirectories(index.resolve(version));
        Files.write(versionDir.resolve(BundleLayout.MANIFEST), json);
        Files.write(versionDir.resolve(BundleLayout.SUCCESS), Completion.marker(json));
    }
}
