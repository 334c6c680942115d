package io.vecforge.jobs.sample;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.xxhash64;

import io.vecforge.faiss.Metric;
import io.vecforge.jobs.IndexShape;
import io.vecforge.jobs.input.InputScan;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The training sample, written as Parquet to the version's _work: the rows with the smallest keys under the seed. */
public final class TrainingSample {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingSample.class);

    private TrainingSample() {}

    /**
     * Writes the training sample as Parquet, the {@code wanted} rows of {@code rows} with the smallest
     * keys among those below {@code below}, sorted by key; returns how many it wrote.
     */
    public static long write(SparkSession spark, Dataset<Row> rows, long below, long wanted, long seed,
            Path samplePath) {
        LOG.info("sampling {} training rows (seed {})", wanted, seed);
        rows.withColumn("_k", RowSelection.key(seed, col("id")))
                .where(col("_k").lt(lit(below)))
                .orderBy(col("_k"), col("id"))
                .limit((int) wanted)
                .select("id", "vector")
                .write()
                .option(InputScan.PARQUET_DICTIONARY, "false")
                .mode(SaveMode.Overwrite)
                .parquet(samplePath.toString());
        return spark.read().parquet(samplePath.toString()).count();
    }

    /**
     * Writes the training sample from the input scan's candidates (selected below {@code candidatesBelow})
     * when they hold it, else from the accepted rows (a pass over the input); returns its row count.
     */
    public static long write(SparkSession spark, Dataset<Row> candidates, long candidatesBelow,
            Dataset<Row> rows, long acceptedRows, long wanted, long seed, Path samplePath) {
        if (candidates != null) {
            long found = write(spark, candidates, candidatesBelow, wanted, seed, samplePath);
            if (RowSelection.holdsAll(found, wanted, acceptedRows, candidatesBelow)) {
                return found;
            }
            LOG.warn("the input scan's candidates hold {} of the {} sample rows wanted: sampling the accepted rows",
                    found, wanted);
        }
        return write(spark, rows, RowSelection.threshold(wanted, acceptedRows), wanted, seed, samplePath);
    }


}
