package io.vecforge.jobs;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.xxhash64;

import io.vecforge.faiss.Metric;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
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

    private HoldoutSelection() {}

    /**
     * Writes the training sample as Parquet and returns its row count. A hash filter keeps a little
     * more than needed, then the smallest hashes are kept, sorted.
     */
    static long writeTrainingSample(SparkSession spark, Dataset<Row> rows, long acceptedRows, long wanted, long seed,
            Path samplePath) {
        double margin = wanted + 6 * Math.sqrt(wanted) + 100;
        double fraction = Math.min(1.0, margin / acceptedRows);
        long buckets = 1L << 30;
        LOG.info("sampling {} training rows (seed {})", wanted, seed);
        rows.withColumn("_h", xxhash64(lit(seed), col("id")))
                .where(pmod(col("_h"), lit(buckets)).lt(lit((long) Math.ceil(fraction * buckets))))
                .orderBy(col("_h"), col("id"))
                .limit((int) wanted)
                .select("id", "vector")
                .write()
                .parquet(samplePath.toString());
        return spark.read().parquet(samplePath.toString()).count();
    }

    /** Up to {@code count} hold-out query vectors (seed + 1), prepared for the metric. */
    static float[] queries(Dataset<Row> rows, IndexShape shape, int count, long seed) {
        int dimension = shape.dimension();
        List<Row> picked = rows
                .withColumn("_q", xxhash64(lit(seed + 1), col("id")))
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
