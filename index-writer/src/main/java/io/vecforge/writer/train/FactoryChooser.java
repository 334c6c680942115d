package io.vecforge.writer.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Picks a Faiss IVF factory string from the data and a serving memory budget
 * ({@code index.factory=auto}): nlist a power of two within 4–16·√N that k-means can train (39
 * points per centroid), and the largest code that fits: SQ8 (one byte per component), else PQ
 * with the most sub-quantizers that fit. The size estimate is what the shards hold: each shard
 * carries the trained quantizer and codebooks, every vector its code and its 8-byte id.
 */
public final class FactoryChooser {
    /** Room left for Faiss's own headers and per-list sizes, which the estimate does not itemise. */
    static final double SAFETY = 1.05;
    private static final int PQ_CENTROIDS = 256;

    /** The choice, its estimated size and why. */
    public record Choice(String factory, long nlist, int codeBytes, long estimatedBytes, long budgetBytes,
            String reasoning) {}

    private FactoryChooser() {}

    public static Choice choose(long rows, int dimension, int shards, long budgetBytes) {
        if (rows <= 0 || dimension <= 0 || shards <= 0 || budgetBytes <= 0) {
            throw new IllegalArgumentException("rows, dimension, shards and index.max-memory must be positive");
        }
        long nlist = nlist(rows);
        List<String> tried = new ArrayList<>();
        for (Candidate code : candidates(dimension, rows)) {
            long bytes = estimate(rows, dimension, shards, nlist, code);
            tried.add(String.format(Locale.ROOT, "%s %,d B", code.name, bytes));
            if (bytes <= budgetBytes) {
                String reasoning = String.format(Locale.ROOT, "%,d rows x %d: nlist %d (a power of two in 4-16 x"
                                + " sqrt(N) = %.0f-%.0f, at most N/%d); the largest code within %,d bytes: %s"
                                + " (tried %s)", rows, dimension, nlist, 4 * Math.sqrt(rows), 16 * Math.sqrt(rows),
                        TrainingPlan.MIN_POINTS_PER_CENTROID, budgetBytes, code.name, String.join(", ", tried));
                return new Choice("IVF" + nlist + "," + code.name, nlist, code.bytes, bytes, budgetBytes, reasoning);
            }
        }
        throw new IllegalArgumentException(String.format(Locale.ROOT, "index.max-memory=%,d bytes is too small for"
                + " %,d rows of dimension %d in %d shards: even the smallest code needs more (%s)", budgetBytes, rows,
                dimension, shards, String.join(", ", tried)));
    }

    /** The largest power of two at most 16·√N (so at least 8·√N), and at most N/39 so k-means can train. */
    static long nlist(long rows) {
        long limit = Math.max(1, Math.min((long) (16 * Math.sqrt(rows)), rows / TrainingPlan.MIN_POINTS_PER_CENTROID));
        return Long.highestOneBit(limit);
    }

    /** Bytes the shards hold: per shard the coarse centroids and the code's trained tables, per vector code + id. */
    static long estimate(long rows, int dimension, int shards, long nlist, Candidate code) {
        long perShard = nlist * dimension * 4L + code.trainedBytes + nlist * 16L;
        return (long) Math.ceil(SAFETY * (shards * perShard + rows * (code.bytes + 8L)));
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
