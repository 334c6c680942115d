package io.vecforge.jobs;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.xxhash64;

import io.vecforge.faiss.Metric;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rows chosen by hash of (seed, id), so the same input gives the same choice whatever its file
 * layout: the training sample (written to the version's _work) and the hold-out queries.
 */
final class HoldoutSelection {
    private static final Logger LOG = LoggerFactory.getLogger(HoldoutSelection.class);

    /** Selection keys are in [0, BUCKETS). */
    static final long BUCKETS = 1L << 30;

    private HoldoutSelection() {}

    /** A row's selection key under {@code seed}: the smallest keys are chosen, ties broken by id. */
    static Column key(long seed, Column id) {
        return pmod(xxhash64(lit(seed), id), lit(BUCKETS));
    }

    /**
     * The key below which {@code wanted} of {@code rows} rows fall with a wide margin (6 standard
     * deviations and a quarter more); BUCKETS (every row) when that is all of them.
     */
    static long threshold(long wanted, long rows) {
        double margin = 1.25 * (wanted + 6 * Math.sqrt(wanted) + 100);
        return rows <= margin ? BUCKETS : (long) Math.ceil(margin / rows * BUCKETS);
    }

    /**
     * Writes the training sample as Parquet, the {@code wanted} rows of {@code rows} with the smallest
     * keys among those below {@code below}, sorted by key; returns how many it wrote.
     */
    static long writeTrainingSample(SparkSession spark, Dataset<Row> rows, long below, long wanted, long seed,
            Path samplePath) {
        LOG.info("sampling {} training rows (seed {})", wanted, seed);
        rows.withColumn("_k", key(seed, col("id")))
                .where(col("_k").lt(lit(below)))
                .orderBy(col("_k"), col("id"))
                .limit((int) wanted)
                .select("id", "vector")
                .write()
                .mode(SaveMode.Overwrite)
                .parquet(samplePath.toString());
        return spark.read().parquet(samplePath.toString()).count();
    }

    /**
     * Writes the training sample from the input scan's candidates (selected below {@code candidatesBelow})
     * when they hold it, else from the accepted rows (a pass over the input); returns its row count.
     */
    static long writeTrainingSample(SparkSession spark, Dataset<Row> candidates, long candidatesBelow,
            Dataset<Row> rows, long acceptedRows, long wanted, long seed, Path samplePath) {
        if (candidates != null) {
            long found = writeTrainingSample(spark, candidates, candidatesBelow, wanted, seed, samplePath);
            if (holdsAll(found, wanted, acceptedRows, candidatesBelow)) {
                return found;
            }
            LOG.warn("the input scan's candidates hold {} of the {} sample rows wanted: sampling the accepted rows",
                    found, wanted);
        }
        return writeTrainingSample(spark, rows, threshold(wanted, acceptedRows), wanted, seed, samplePath);
    }

    /**
     * Whether rows picked below a key hold the {@code wanted} smallest keys of all accepted rows: they do
     * when there were that many (or every accepted row), or when the key bound excluded nothing.
     */
    private static boolean holdsAll(long found, long wanted, long acceptedRows, long below) {
        return found >= Math.min(wanted, acceptedRows) || below >= BUCKETS;
    }

    /**
     * The hold-out queries, from the input scan's candidates (selected below {@code candidatesBelow}) when
     * they hold them, else from the accepted rows (a pass over the input).
     */
    static float[] queries(Dataset<Row> candidates, long candidatesBelow, Dataset<Row> rows, long acceptedRows,
            IndexShape shape, int count, long seed) {
        if (candidates != null) {
            float[] queries = queries(candidates, candidatesBelow, shape, count, seed);
            int found = queries.length / shape.dimension();
            if (holdsAll(found, count, acceptedRows, candidatesBelow)) {
                return queries;
            }
            LOG.warn("the input scan's candidates hold {} of the {} queries wanted: choosing from the accepted rows",
                    found, count);
        }
        return queries(rows, BUCKETS, shape, count, seed);
    }

    /**
     * Up to {@code count} hold-out query vectors (seed + 1): those of {@code rows} with the smallest keys
     * among those below {@code below}, prepared for the metric.
     */
    static float[] queries(Dataset<Row> rows, long below, IndexShape shape, int count, long seed) {
        int dimension = shape.dimension();
        List<Row> picked = rows
                .withColumn("_q", key(seed + 1, col("id")))
                .where(col("_q").lt(lit(below)))
                .orderBy(col("_q"), col("id"))
                .limit(count)
                .select("vector")
                .collectAsList();
        float[] queries = new float[picked.size() * dimension];
        for (int q = 0; q < picked.size(); q++) {
            List<Float> vector = picked.get(q).getList(0);
            if (vector.size() != dimension) {
                throw new IllegalArgumentException("a vector has " + vector.size() + " components, expected "
                        + dimension);
            }
            for (int j = 0; j < dimension; j++) {
                queries[q * dimension + j] = vector.get(j);
            }
        }
        Metric metric = shape.metric();
        metric.prepare(queries, dimension);
        return queries;
    }
}
