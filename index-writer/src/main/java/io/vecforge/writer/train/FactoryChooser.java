package io.vecforge.writer.train;

import io.vecforge.faiss.Metric;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Picks a Faiss IVF factory string from the data and a serving memory budget
 * ({@code index.factory=auto}): the largest code that fits, SQ8 (one byte per component), else PQ
 * with the most sub-quantizers that fit; for each code, nlist a power of two of at most 16·√N that
 * k-means can train (39 points per centroid), lowered until the copies of the trained state take
 * at most an eighth of the index. The size estimate is what the shards hold: each shard carries
 * the trained quantizer and codebooks, every vector its code and its 8-byte id. A PQ code of m bytes
 * comes with a second candidate of the same size, PCA to m dimensions and SQ8, for the training
 * task's {@link CodecTrial} to measure against it on the sample.
 *
 * <p>Why the eighth: every shard file is a whole Faiss index, so the coarse centroids are stored,
 * loaded and searched once per shard. At 200k × 128 in 4 shards, 4,096 lists of {@code PQ64}
 * would put 8.8 MiB of centroids and tables beside 13.7 MiB of codes and ids; 512 lists put 1.5 MiB.
 * Recall then levels off a little lower (0.9556 against 0.958 there: PQ encodes residuals, larger over
 * coarser lists), but the code bounds it far more than nlist does.
 */
public final class FactoryChooser {
    /** Room left for Faiss's own headers and per-list sizes, which the estimate does not itemise. */
    static final double SAFETY = 1.05;
    /** The shards' copies of the trained state may take at most 1/8 of the codes and ids. */
    static final int TRAINED_SHARE_DIVISOR = 8;
    private static final int PQ_CENTROIDS = 256;

    /**
     * The choice, its estimated size and why. {@code candidates}: the codes of this size worth a
     * {@link CodecTrial} on the sample, {@code factory} first; one when there is nothing to compare.
     */
    public record Choice(String factory, long nlist, int codeBytes, long estimatedBytes, long budgetBytes,
            String reasoning, List<Sized> candidates) {
        public Choice {
            candidates = List.copyOf(candidates);
        }

        /** The candidate named {@code chosen}, which the trial kept. */
        public Sized candidate(String chosen) {
            return candidates.stream().filter(c -> c.factory().equals(chosen)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException(chosen + " is not a candidate of " + factory));
        }
    }

    /** A factory string and the bytes its shards are estimated to take. */
    public record Sized(String factory, long estimatedBytes) {}

    private FactoryChooser() {}

    public static Choice choose(long rows, int dimension, int shards, long budgetBytes) {
        return choose(rows, dimension, shards, budgetBytes, Metric.L2);
    }

    /**
     * As above for {@code metric}: the PCA candidate only under L2. PCA subtracts the mean, which keeps
     * the order of L2 distances but shifts inner products by the mean's product with each vector.
     */
    public static Choice choose(long rows, int dimension, int shards, long budgetBytes, Metric metric) {
        if (rows <= 0 || dimension <= 0 || shards <= 0 || budgetBytes <= 0) {
            throw new IllegalArgumentException("rows, dimension, shards and index.max-memory must be positive");
        }
        List<String> tried = new ArrayList<>();
        for (Candidate code : candidates(dimension, rows)) {
            long nlist = nlist(rows, dimension, shards, code);
            long bytes = estimate(rows, dimension, shards, nlist, code);
            tried.add(String.format(Locale.ROOT, "%s with nlist %d %,d B", code.name, nlist, bytes));
            if (bytes <= budgetBytes) {
                String reasoning = String.format(Locale.ROOT, "%,d rows x %d in %d shards: the largest code within"
                                + " %,d bytes: %s (tried %s); nlist %d (a power of two of at most 16 x sqrt(N) = %.0f"
                                + " and N/%d, lowered while the %d shards' copies of the centroids and tables took"
                                + " more than 1/%d of the codes and ids, but not below sqrt(N) = %.0f)", rows,
                        dimension, shards, budgetBytes, code.name, String.join(", ", tried), nlist,
                        16 * Math.sqrt(rows), TrainingPlan.MIN_POINTS_PER_CENTROID, shards, TRAINED_SHARE_DIVISOR,
                        Math.sqrt(rows));
                String factory = "IVF" + nlist + "," + code.name;
                List<Sized> trial = new ArrayList<>(List.of(new Sized(factory, bytes)));
                Sized reduced = metric == Metric.L2 ? reducedDimension(rows, dimension, shards, nlist, code) : null;
                if (reduced != null && reduced.estimatedBytes() <= budgetBytes) {
                    trial.add(reduced);
                    reasoning += "; the codec trial on the sample compares it with " + reduced.factory()
                            + " (the same bytes per vector: PCA to " + code.bytes + " dimensions, one byte each)";
                }
                return new Choice(factory, nlist, code.bytes, bytes, budgetBytes, reasoning, trial);
            }
        }
        throw new IllegalArgumentException(String.format(Locale.ROOT, "index.max-memory=%,d bytes is too small for"
                + " %,d rows of dimension %d in %d shards: even the smallest code needs more (%s)", budgetBytes, rows,
                dimension, shards, String.join(", ", tried)));
    }

    /**
     * The largest power of two within {@link #nlistLimit} whose copies of the trained state (one per
     * shard) take at most 1/{@value #TRAINED_SHARE_DIVISOR} of the codes and ids; never below the
     * power of two at most √N (nor above the limit).
     */
    private static long nlist(long rows, int dimension, int shards, Candidate code) {
        long limit = nlistLimit(rows);
        long floor = Math.min(limit, Long.highestOneBit(Math.max(1, (long) Math.sqrt(rows))));
        long share = rows * (code.bytes + 8L) / TRAINED_SHARE_DIVISOR;
        long nlist = limit;
        while (nlist > floor && shards * trainedBytesPerShard(dimension, nlist, code) > share) {
            nlist /= 2;
        }
        return nlist;
    }

    /** The largest power of two at most 16·√N (so at least 8·√N), and at most N/39 so k-means can train. */
    static long nlistLimit(long rows) {
        long limit = Math.max(1, Math.min((long) (16 * Math.sqrt(rows)), rows / TrainingPlan.MIN_POINTS_PER_CENTROID));
        return Long.highestOneBit(limit);
    }

    /**
     * For a PQ code of m bytes: PCA (then a random rotation) to m dimensions, SQ8. Same code size, a
     * different bet: on data whose neighbours differ in fewer directions than d, a byte per principal
     * component keeps more than a byte per sub-vector of d/m components. Null when the code is not PQ.
     */
    private static Sized reducedDimension(long rows, int dimension, int shards, long nlist, Candidate code) {
        if (!code.name.startsWith("PQ") || code.bytes >= dimension) {
            return null;
        }
        int reduced = code.bytes;
        // PCAMatrix keeps the mean, the eigenvalues, the d x d eigenvectors and the d' x d projection
        long pcaBytes = 4L * ((long) dimension * dimension + (long) reduced * dimension + 2L * dimension + reduced);
        Candidate sq8 = new Candidate("SQ8", reduced, 2L * reduced * 4 + pcaBytes);
        return new Sized("PCAR" + reduced + ",IVF" + nlist + ",SQ8", estimate(rows, reduced, shards, nlist, sq8));
    }

    /** Bytes the shards hold: per shard the coarse centroids and the code's trained tables, per vector code + id. */
    static long estimate(long rows, int dimension, int shards, long nlist, Candidate code) {
        return (long) Math.ceil(SAFETY * (shards * trainedBytesPerShard(dimension, nlist, code)
                + rows * (code.bytes + 8L)));
    }

    /** Coarse centroids, the code's trained tables and each list's size and pointer. */
    private static long trainedBytesPerShard(int dimension, long nlist, Candidate code) {
        return nlist * dimension * 4L + code.trainedBytes + nlist * 16L;
    }

    private record Candidate(String name, int bytes, long trainedBytes) {}

    /** SQ8, then PQ m (m divides d, 8-bit codes) from the most sub-quantizers down; PQ needs 39 x 256 rows. */
    private static List<Candidate> candidates(int dimension, long rows) {
        List<Candidate> codes = new ArrayList<>();
        codes.add(new Candidate("SQ8", dimension, 2L * dimension * 4));
        if (rows < (long) PQ_CENTROIDS * TrainingPlan.MIN_POINTS_PER_CENTROID) {
            return codes;
        }
        for (int m = dimension / 2; m >= 1; m--) {
            if (dimension % m == 0) {
                codes.add(new Candidate("PQ" + m + "np", m, (long) PQ_CENTROIDS * dimension * 4));
            }
        }
        return codes;
    }
}
