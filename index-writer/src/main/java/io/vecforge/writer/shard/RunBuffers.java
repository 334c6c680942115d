package io.vecforge.writer.shard;

import java.lang.ref.SoftReference;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;

/**
 * The arrays of a {@link SortedRows} run, handed from one sort to the next of the same size in this JVM. A shard
 * task's run is hundreds of megabytes that the JVM zeroes and the kernel maps page by page on first touch (on
 * the machines measured, half a second per GiB: more than copying the rows in); the tasks of a build's later
 * waves take the first wave's arrays instead. Arrays given back are held softly, so the collector takes them
 * before the heap runs short, and at most one per processor (the tasks that run at once).
 */
record RunBuffers(long[] ids, long[] orders, float[] vectors, int dimension) {
    private static final int KEPT = Math.max(1, Runtime.getRuntime().availableProcessors());
    private static final Deque<SoftReference<RunBuffers>> FREE = new ArrayDeque<>();

    /** Arrays for {@code rows} rows of {@code dimension}: given back ones of that size, else new ones. */
    static RunBuffers take(int rows, int dimension) {
        synchronized (FREE) {
            for (Iterator<SoftReference<RunBuffers>> it = FREE.iterator(); it.hasNext(); ) {
                RunBuffers kept = it.next().get();
                if (kept == null) {
                    it.remove();
                } else if (kept.ids.length == rows && kept.dimension == dimension) {
                    it.remove();
                    return kept;
                }
            }
        }
        return new RunBuffers(new long[rows], new long[rows], new float[Math.multiplyExact(rows, dimension)],
                dimension);
    }

    /** Hands the arrays to a later sort; the caller no longer touches them. */
    void giveBack() {
        synchronized (FREE) {
            FREE.addFirst(new SoftReference<>(this));
            while (FREE.size() > KEPT) {
                FREE.removeLast();
            }
        }
    }

    /** Arrays held for later sorts (those the collector has not taken): for tests. */
    static int held() {
        synchronized (FREE) {
            return (int) FREE.stream().filter(ref -> ref.get() != null).count();
        }
    }
}
