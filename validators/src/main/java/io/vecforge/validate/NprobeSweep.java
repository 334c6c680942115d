package io.vecforge.validate;

import io.vecforge.faiss.FaissIndex;
import io.vecforge.faiss.Neighbours;
import io.vecforge.faiss.SearchResult;
import java.util.ArrayList;
import java.util.Arrays;
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
        this(steps(nlist, validationNprobe), queries, k, smallerIsCloser);
    }

    /** A sweep over the given nprobes, rising. */
    public NprobeSweep(int[] nprobes, int queries, int k, boolean smallerIsCloser) {
        for (int i = 0; i < nprobes.length; i++) {
            if (nprobes[i] < 1 || (i > 0 && nprobes[i] <= nprobes[i - 1])) {
                throw new IllegalArgumentException("a sweep's nprobes must rise from 1 up: " + Arrays.toString(nprobes));
            }
        }
        this.nprobes = nprobes.clone();
        this.found = new Neighbours[nprobes.length];
        this.nanos = new long[nprobes.length];
        this.queries = queries;
        for (int i = 0; i < nprobes.length; i++) {
            found[i] = new Neighbours(queries, k, smallerIsCloser);
        }
    }

    /** The whole sweep's nprobes: 1, 2, 4, … up to max(min(nlist, 16), validationNprobe, nlist/8), within nlist. */
    public static int[] steps(long nlist, int validationNprobe) {
        long last = Math.min(nlist, Math.max(validationNprobe, Math.max(Math.min(nlist, 16), nlist / 8)));
        List<Integer> steps = new ArrayList<>();
        for (long p = 1; p <= Math.max(1, last); p *= 2) {
            steps.add((int) p);
        }
        if (steps.get(steps.size() - 1) != last && last > 1) {
            steps.add((int) last);
        }
        return steps.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * The sweep's first round: its steps up to the first that reaches min(nlist, 16) and the validation's nprobe.
     * Most curves settle there ({@link #settled}); the rest of the steps, which cost several times more (the
     * lists scanned double with each), are searched only when the curve still rises short of the target.
     */
    public static int[] firstRound(int[] steps, long nlist, int validationNprobe) {
        long reach = Math.max(validationNprobe, Math.min(nlist, 16));
        int end = 0;
        while (end < steps.length - 1 && steps[end] < reach) {
            end++;
        }
        return Arrays.copyOf(steps, end + 1);
    }

    /** The steps left after {@code done}, starting from its last (searched again: the rounds join there). */
    public static int[] rest(int[] steps, int[] done) {
        int last = done[done.length - 1];
        return Arrays.stream(steps).filter(p -> p >= last).toArray();
    }

    /**
     * The next later round after {@code done}: its last nprobe (the rounds join there) and the step after it, or
     * none when the steps are all searched. One doubling per round: a round scans as many lists as its largest
     * nprobe, so stopping at the first settled point costs at most twice what it needs, where one round over all
     * the rest (up to nlist/8) cost up to 32 times the first round's work even when recall had levelled off.
     */
    public static int[] nextRound(int[] steps, int[] done) {
        int[] rest = rest(steps, done);
        return rest.length < 2 ? new int[0] : Arrays.copyOf(rest, 2);
    }

    /** Gain in recall below which the curve's last doubling of nprobe counts as level. */
    public static final double SETTLED_GAIN = 0.001;

    /**
     * Whether more nprobe cannot change the recommendation: some point reaches the target (the recommendation is
     * the first that does), or the last doubling raised recall by less than {@link #SETTLED_GAIN} (the code size
     * bounds recall: further points stay on the plateau {@link #recommend} picks from).
     */
    public static boolean settled(List<Point> curve, double targetRecall) {
        if (curve.stream().anyMatch(p -> p.recall() >= targetRecall)) {
            return true;
        }
        int n = curve.size();
        return n >= 2 && curve.get(n - 1).recall() - curve.get(n - 2).recall() < SETTLED_GAIN;
    }

    /** The nprobes this sweep searches. */
    public int[] nprobes() {
        return nprobes.clone();
    }

    /**
     * Continues this sweep with a later round over the same shards, merged: its first nprobe is this sweep's last
     * (which must agree), the points after it are appended. Returns this sweep's and the later round's points.
     */
    public NprobeSweep followedBy(NprobeSweep later) {
        if (later.nprobes[0] != nprobes[nprobes.length - 1] || later.queries != queries) {
            throw new IllegalArgumentException("a later round must start where this sweep ends (" + nprobes[nprobes.length - 1]
                    + "), got " + Arrays.toString(later.nprobes));
        }
        int[] joined = Arrays.copyOf(nprobes, nprobes.length + later.nprobes.length - 1);
        System.arraycopy(later.nprobes, 1, joined, nprobes.length, later.nprobes.length - 1);
        NprobeSweep result = new NprobeSweep(joined, queries, found[0].k(), found[0].smallerIsCloser());
        for (int i = 0; i < joined.length; i++) {
            boolean early = i < nprobes.length;
            result.found[i].merge(early ? found[i] : later.found[i - nprobes.length + 1]);
            result.nanos[i] = early ? nanos[i] : later.nanos[i - nprobes.length + 1];
        }
        return result;
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
        if (!Arrays.equals(nprobes, other.nprobes)) {
            throw new IllegalArgumentException("sweeps over different nprobes cannot merge: "
                    + Arrays.toString(nprobes) + " vs " + Arrays.toString(other.nprobes));
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
