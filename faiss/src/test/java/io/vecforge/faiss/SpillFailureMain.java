package io.vecforge.faiss;

import io.vecforge.testing.TestVectors;
import java.nio.file.Path;

/**
 * Run by ListsOnDiskTest in a JVM of its own whose file-size limit it lowers (prlimit) once Faiss is loaded: the
 * spilled lists' scratch file then outgrows the limit in the middle of an add (EFBIG: the JVM ignores SIGXFSZ),
 * inside Faiss's OpenMP loop. Prints what the add did; a native abort would end this process instead.
 */
public final class SpillFailureMain {
    private SpillFailureMain() {}

    public static void main(String[] args) throws Exception {
        int d = 24;
        int rows = 40_000;
        float[] vectors = TestVectors.clustered(rows, d, 3);
        long[] ids = new long[rows];
        for (int i = 0; i < rows; i++) {
            ids[i] = i;
        }
        try (FaissIndex index = FaissIndex.create(d, "IVF16,PQ4np", Metric.L2)) {
            index.train(vectors, 10_000);
            if (!index.spillLists(Path.of(args[0]), 1)) {
                System.out.println("NOT SPILLED");
                return;
            }
            long pid = ProcessHandle.current().pid();
            int limited = new ProcessBuilder("prlimit", "--pid", Long.toString(pid), "--fsize=" + args[1])
                    .inheritIO().start().waitFor();
            if (limited != 0) {
                System.out.println("NO LIMIT " + limited);
                return;
            }
            FaissIndex.setThreads(2, 1);
            try {
                index.addWithIds(vectors, ids, rows);
                System.out.println("ADDED " + index.spilledBytes());
            } catch (RuntimeException e) {
                System.out.println("FAILED: " + e.getMessage());
            }
        }
    }
}
