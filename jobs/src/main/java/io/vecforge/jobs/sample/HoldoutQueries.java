package io.vecforge.jobs.sample;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.vecforge.faiss.Metric;
import io.vecforge.jobs.IndexShape;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The hold-out queries: the rows with the smallest keys under seed + 1 (never the training sample's choice). */
public final class HoldoutQueries {
    private static final Logger LOG = LoggerFactory.getLogger(HoldoutQueries.class);

    private HoldoutQueries() {}

    /**
     * The hold-out queries, from the one-read scan's query candidates (which its tasks reported) when they hold
     * them, else from the accepted rows (a pass over the input).
     */
    public static float[] queries(ScanCandidates candidates, Dataset<Row> rows, long acceptedRows, IndexShape shape,
            int count, long seed) {
        int dimension = shape.dimension();
        long[] ids = candidates.queryIds();
        if (candidates.queryVectors().length != (long) ids.length * dimension) {
            throw new IllegalStateException(candidates.queryVectors().length + " floats for " + ids.length
                    + " query candidates of dimension " + dimension);
        }
        int[] chosen = RowSelection.smallest(seed + 1, ids, candidates.queryBelow(), count);
        if (!RowSelection.holdsAll(chosen.length, count, acceptedRows, candidates.queryBelow())) {
            LOG.warn("the input scan's candidates hold {} of the {} queries wanted: choosing from the accepted rows",
                    chosen.length, count);
            return queries(rows, RowSelection.BUCKETS, shape, count, seed);
        }
        float[] queries = new float[chosen.length * dimension];
        for (int q = 0; q < chosen.length; q++) {
            System.arraycopy(candidates.queryVectors(), chosen[q] * dimension, queries, q * dimension, dimension);
        }
        shape.metric().prepare(queries, dimension);
        return queries;
    }

    /**
     * The hold-out queries, from the input scan's candidates (selected below {@code candidatesBelow}) when
     * they hold them, else from the accepted rows (a pass over the input).
     */
    public static float[] queries(Dataset<Row> candidates, long candidatesBelow, Dataset<Row> rows, long acceptedRows,
            IndexShape shape, int count, long seed) {
        if (candidates != null) {
            float[] queries = queries(candidates, candidatesBelow, shape, count, seed);
            int found = queries.length / shape.dimension();
            if (RowSelection.holdsAll(found, count, acceptedRows, candidatesBelow)) {
                return queries;
            }
            LOG.warn("the input scan's candidates hold {} of the {} queries wanted: choosing from the accepted rows",
                    found, count);
        }
        return queries(rows, RowSelection.BUCKETS, shape, count, seed);
    }

    /**
     * Up to {@code count} hold-out query vectors (seed + 1): those of {@code rows} with the smallest keys
     * among those below {@code below}, prepared for the metric.
     */
    public static float[] queries(Dataset<Row> rows, long below, IndexShape shape, int count, long seed) {
        int dimension = shape.dimension();
        List<Row> picked = rows
                .withColumn("_q", RowSelection.key(seed + 1, col("id")))
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
