package io.vecforge.jobs.sample;

import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.xxhash64;

import java.util.Arrays;
import java.util.Comparator;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.catalyst.expressions.XXH64;

/**
 * Rows chosen by hash of (seed, id), so the same input gives the same choice whatever its file
 * layout: what the training sample ({@link TrainingSample}) and the hold-out queries
 * ({@link HoldoutQueries}) pick from.
 */
public final class RowSelection {
    /** Selection keys are in [0, BUCKETS). */
    public static final long BUCKETS = 1L << 30;
    private static final long SPARK_HASH_SEED = 42;

    private RowSelection() {}

    /** A row's selection key under {@code seed}: the smallest keys are chosen, ties broken by id. */
    public static Column key(long seed, Column id) {
        return pmod(xxhash64(lit(seed), id), lit(BUCKETS));
    }

    /**
     * {@link #key}'s value for an int64 id, computed in Java (Spark's xxhash64 starts from seed 42 and folds the
     * columns in order): for tasks that pick sample rows outside Spark SQL.
     */
    public static long keyOf(long seed, long id) {
        long hash = XXH64.hashLong(id, XXH64.hashLong(seed, SPARK_HASH_SEED));
        return Math.floorMod(hash, BUCKETS);
    }

    /**
     * The key below which {@code wanted} of {@code rows} rows fall with a wide margin (6 standard
     * deviations and a quarter more); BUCKETS (every row) when that is all of them.
     */
    public static long threshold(long wanted, long rows) {
        double margin = 1.25 * (wanted + 6 * Math.sqrt(wanted) + 100);
        return rows <= margin ? BUCKETS : (long) Math.ceil(margin / rows * BUCKETS);
    }

    /**
     * The places in {@code ids} of the (at most) {@code wanted} rows with the smallest (key under {@code seed}, id)
     * among those whose key is below {@code below}, in that order: {@link #key}'s choice, made in Java. A repeated
     * id is chosen as often as it appears.
     */
    public static int[] smallest(long seed, long[] ids, long below, int wanted) {
        // key (30 bits) above the place (31 bits): one primitive sort orders by key; ties of key are rare
        long[] packed = new long[ids.length];
        int n = 0;
        for (int i = 0; i < ids.length; i++) {
            long key = keyOf(seed, ids[i]);
            if (key < below) {
                packed[n++] = key << 31 | i;
            }
        }
        Arrays.sort(packed, 0, n);
        Integer[] places = new Integer[n];
        for (int i = 0; i < n; i++) {
            places[i] = (int) (packed[i] & Integer.MAX_VALUE);
        }
        for (int start = 0; start < n; ) {
            int end = start + 1;
            while (end < n && packed[end] >>> 31 == packed[start] >>> 31) {
                end++;
            }
            if (end - start > 1) {
                Arrays.sort(places, start, end, Comparator.comparingLong(place -> ids[place]));
            }
            start = end;
        }
        int[] chosen = new int[Math.min(n, Math.max(0, wanted))];
        for (int i = 0; i < chosen.length; i++) {
            chosen[i] = places[i];
        }
        return chosen;
    }

    /**
     * Whether rows picked below a key hold the {@code wanted} smallest keys of all accepted rows: they do
     * when there were that many (or every accepted row), or when the key bound excluded nothing.
     */
    public static boolean holdsAll(long found, long wanted, long acceptedRows, long below) {
        return found >= Math.min(wanted, acceptedRows) || below >= BUCKETS;
    }
}
