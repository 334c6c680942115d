package io.vecforge.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Two publishers of one index, released at the same moment from the same base, round after
 * round, on any storage: exactly one moves LATEST each round, the other gets
 * {@link ConcurrentPublishException} and its version stays complete and staged.
 */
public final class PublisherRace {
    private PublisherRace() {}

    public static void run(BundleStorage storage, BundleLayout layout, int rounds) throws Exception {
        IndexLifecycle lifecycle = new IndexLifecycle(storage, layout);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            String expected = "";
            for (int round = 0; round < rounds; round++) {
                String a = String.format("2026110%d-r%02da", round % 9 + 1, round);
                String b = String.format("2026110%d-r%02db", round % 9 + 1, round);
                stage(storage, layout, a);
                stage(storage, layout, b);
                CountDownLatch go = new CountDownLatch(1);
                String base = expected;
                List<String> losses = Collections.synchronizedList(new ArrayList<>());
                List<Future<String>> results = new ArrayList<>();
                for (String version : List.of(a, b)) {
                    results.add(pool.submit(() -> {
                        go.await();
                        try {
                            new VersionCommit(storage, layout, version).publish(base, "build");
                            return version;
                        } catch (ConcurrentPublishException e) {
                            losses.add(version + ": " + e.getMessage());
                            return null;
                        }
                    }));
                }
                go.countDown();
                List<String> winners = new ArrayList<>();
                for (Future<String> result : results) {
                    if (result.get() != null) {
                        winners.add(result.get());
                    }
                }
                assertEquals(1, winners.size(), "round " + round + ": winners " + winners + ", losers " + losses);
                assertEquals(winners.get(0), lifecycle.published().orElseThrow());
                for (String version : List.of(a, b)) {
                    assertTrue(lifecycle.isComplete(version), "the loser stays complete and staged: " + version);
                }
                expected = winners.get(0);
            }
            assertEquals(rounds, lifecycle.history().size(), "one HISTORY entry per round");
        } finally {
            pool.shutdownNow();
        }
    }

    public static void stage(BundleStorage storage, BundleLayout layout, String version) throws Exception {
        storage.mkdirs(layout.versionDir(version));
        new VersionCommit(storage, layout, version).stage(TestManifests.minimal(layout.indexDir().getName(), version)
                .toJson());
    }
}
