package io.vecforge.validate;

import io.vecforge.faiss.FaissIndex;
import io.vecforge.faiss.Neighbours;
import java.util.ArrayList;
import java.util.List;

/**
 * Recall and latency of the hold-out queries at increasing nprobe (1, 2, 4, … up to nlist), over
 * every shard: the curve a bundle records so that serving can pick its nprobe
 * ({@link #recommend}). Latency is the search time summed over shards, per query, on this machine.
 */
public final class NprobeSweep {
    /** One point of the curve. */
    public record Point(int nprobe, double recall, double microsPerQuery) {}

    private final int[] nprobes;
    private final Neighbours[] found;
    private final long[] nanos;
    private final int queries;

    public NprobeSweep(long nlist, int queries, int k, boolean smallerIsCloser) {
        List<Integer> steps = new ArrayList<>();
        for (long p = 1; p <= Math.max(1, nlist); p *= 2) {
            steps.add((int) p);
        }
        if (steps.get(steps.size() - 1) != nlist && nlist > 1) {
            steps.add((int) nlist); // the exhaustive end of the curve
        }
        this.nprobes = steps.stream().mapToInt(Integer::intValue).toArray();
        this.found = new Neighbours[nprobes.length];
        this.nanos = new long[nprobes.length];
        this.queries = queries;
        for (int i = 0; i < nprobes.length; i++) {
            found[i] = new Neighbours(queries, k, smallerIsCloser);
        }
    }

    /** Searches one shard at every nprobe of the sweep. */
    public void search(FaissIndex shard, float[] queryVectors, int k) {
        for (int i = 0; i < nprobes.length; i++) {
            shard.setNprobe(nprobes[i]);
            long start = System.nanoTime();
            found[i].offerAll(shard.search(queryVectors, queries, k));
            nanos[i] += System.nanoTime() - start;
        }
    }

    public List<Point> curve(long[] truth, int truthK) {
        List<Point> curve = new ArrayList<>();
        for (int i = 0; i < nprobes.length; i++) {
            curve.add(new Point(nprobes[i], found[i].recallAgainst(truth, truthK),
                    queries == 0 ? 0 : nanos[i] / 1000.0 / queries));
        }
        return curve;
    }

    /** The smallest nprobe whose recall reaches the target, or the largest swept if none does. */
    public static Point recommend(List<Point> curve, double targetRecall) {
        return curve.stream().filter(p -> p.recall() >= targetRecall).findFirst()
                .orElse(curve.get(curve.size() - 1));
    }
}
