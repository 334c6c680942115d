package io.vecforge.jobs.sample;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.xxhash64;

import io.vecforge.faiss.Metric;
import io.vecforge.jobs.IndexShape;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.expressions.XXH64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
     * Whether rows picked below a key hold the {@code wanted} smallest keys of all accepted rows: they do
     * when there were that many (or every accepted row), or when the key bound excluded nothing.
     */
    public static boolean holdsAll(long found, long wanted, long acceptedRows, long below) {
        return found >= Math.min(wanted, acceptedRows) || below >= BUCKETS;
    }
}
