package io.vecforge.faiss;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecforge.testing.TestVectors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Thousands of indexes created, filled and closed: resident memory must stay flat. */
class NativeMemoryReleaseTest {
    private static final int D = 32;
    private static final int ROWS = 1000; // 128 KiB of vectors per index: a leak shows fast

    @Test
    void closingReleasesNativeMemory() throws IOException {
        float[] data = TestVectors.clustered(ROWS, D, 7);
        long[] ids = new long[ROWS];
        for (int i = 0; i < ROWS; i++) {
            ids[i] = i;
        }
        try (FaissIndex trained = FaissIndex.create(D, "IVF8,Flat", Metric.L2)) {
            trained.train(data, ROWS);
            cycle(trained, data, ids, 500); // warm up allocator arenas and JIT
            long before = residentKiB();
            cycle(trained, data, ids, 4000);
            long grown = residentKiB() - before;
            // Without close() each cycle would keep >= 128 KiB: 4000 cycles = 500 MiB.
            assertTrue(grown < 32 * 1024, "resident memory grew by " + grown + " KiB over 4000 indexes");
        }
    }

    private static void cycle(FaissIndex trained, float[] data, long[] ids, int times) {
        for (int i = 0; i < times; i++) {
            try (FaissIndex index = trained.copy()) {
                index.addWithIds(data, ids, ROWS);
                index.search(data, 1, 1);
            }
        }
    }

    private static long residentKiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
