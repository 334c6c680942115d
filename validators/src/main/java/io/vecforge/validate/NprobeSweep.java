package io.vecforge.validate;

import io.vecforge.faiss.FaissIndex;
import io.vecforge.faiss.Neighbours;
import io.vecforge.faiss.SearchResult;
import java.util.ArrayList;
import java.util.List;

/**
 * Recall and latency of the hold-out queries at increasing nprobe (1, 2, 4, …), over
 * every shard: the curve a bundle records so that serving can pick its nprobe
 * ({@link #recommend}). Latency is the search time summed over shards, per query, on this machine.
 */
public final class NprobeSweep implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    /** One point of the curve. */
    public record Point(int nprobe, double recall, double microsPerQuery) {}

    private final int[] nprobes;
    private final Neighbours[] found;
    private final long[] nanos;
    private final int queries;

    /**
     * Sweeps 1, 2, 4, … up to nlist/8 (at least min(nlist, 16), and at least the validation's
     * nprobe): the far end of the curve, where nprobe approaches nlist, costs as much as brute
     * force and tells little, since recall flattens long before.
     */
    public NprobeSweep(long nlist, int validationNprobe, int queries, int k, boolean smallerIsCloser) {
        long last = Math.min(nlist, Math.max(validationNprobe, Math.max(Math.min(nlist, 16), nlist / 8)));
        List<Integer> steps = new ArrayList<>();
        for (long p = 1; p <= Math.max(1, last); p *= 2) {
            steps.add((int) p);
        }
        if (steps.get(steps.size() - 1) != last && last > 1) {
            steps.add((int) last);
        }
        this.nprobes = steps.stream().mapToInt(Integer::intValue).toArray();
        this.found = new Neighbours[nprobes.length];
        this.nanos = new long[nprobes.length];
        this.queries = queries;
        for (int i = 0; i < nprobes.length; i++) {
            found[i] = new Neighbours(queries, k, smallerIsCloser);
        }
    }

    /**
     * Searches one shard at every nprobe of the sweep. A bare IVF index scans each inverted list once (the lists
     * of nprobe 2p are those of p and p more: {@link FaissIndex#searchSlices}); a point's latency is then the
     * coarse assignment's plus the slices' up to it. Other indexes are searched at each nprobe anew.
     */
    public void search(FaissIndex shard, float[] queryVectors, int k) {
        if (queries == 0) {
            return;
        }
        if (shard.slicesSearchable()) {
            long[] sliceNanos = new long[nprobes.length + 1];
            SearchResult[] slices = shard.searchSlices(queryVectors, queries, k, nprobes, sliceNanos);
            long elapsed = sliceNanos[0];
            for (int i = 0; i < nprobes.length; i++) {
                elapsed += sliceNanos[i + 1];
                for (int slice = 0; slice <= i; slice++) {
                    found[i].offerAll(slices[slice]);
                }
                nanos[i] += elapsed;
            }
            return;
        }
        for (int i = 0; i < nprobes.length; i++) {
            shard.setNprobe(nprobes[i]);
            long start = System.nanoTime();
            found[i].offerAll(shard.search(queryVectors, queries, k));
            nanos[i] += System.nanoTime() - start;
        }
    }

    /** This sweep's top-k at {@code nprobe} (a copy), or null when the sweep did not search at it. */
    public Neighbours neighboursAt(int nprobe) {
        for (int i = 0; i < nprobes.length; i++) {
            if (nprobes[i] == nprobe) {
                Neighbours copy = new Neighbours(queries, found[i].k(), found[i].smallerIsCloser());
                copy.merge(found[i]);
                return copy;
            }
        }
        return null;
    }

    /** Adds another shard's sweep (same nprobes): merged top-k, summed search time. Returns this. */
    public NprobeSweep merge(NprobeSweep other) {
        if (!java.util.Arrays.equals(nprobes, other.nprobes)) {
            throw new IllegalArgumentException("sweeps over different nprobes cannot merge: "
                    + java.util.Arrays.toString(nprobes) + " vs " + java.util.Arrays.toString(other.nprobes));
        }
        for (int i = 0; i < nprobes.length; i++) {
            found[i].merge(other.found[i]);
            nanos[i] += other.nanos[i];
        }
        return this;
    }

    public List<Point> curve(long[] truth, int truthK) {
        List<Point> curve = new ArrayList<>();
        for (int i = 0; i < nprobes.length; i++) {
            curve.add(new Point(nprobes[i], found[i].recallAgainst(truth, truthK),
                    queries == 0 ? 0 : nanos[i] / 1000.0 / queries));
        }
        return curve;
    }

    /** How close to the curve's best recall counts as its plateau. */
    public static final double PLATEAU_TOLERANCE = 0.005;

    /**
     * The smallest nprobe whose recall reaches the target. If none does, the code size bounds recall,
     * not nprobe: the smallest nprobe within {@link #PLATEAU_TOLERANCE} of the best recall swept, so
     * serving does not probe more lists for no recall.
     */
    public static Point recommend(List<Point> curve, double targetRecall) {
        double best = curve.stream().mapToDouble(Point::recall).max().orElseThrow();
        return curve.stream().filter(p -> p.recall() >= targetRecall).findFirst()
                .orElseGet(() -> curve.stream().filter(p -> p.recall() >= best - PLATEAU_TOLERANCE).findFirst()
                        .orElseThrow());
    }
}
