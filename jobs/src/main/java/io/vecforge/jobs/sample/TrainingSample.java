package io.vecforge.jobs.sample;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.vecforge.data.EmbeddingParquetReader;
import io.vecforge.data.RowFileReader;
import io.vecforge.jobs.input.InputScan;
import io.vecforge.writer.shard.EmbeddingCursor;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
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
     * Where the training task finds the staged sample: {@code rows}, Parquet files of (id, vector), hold it in
     * sample order, or, with an {@code order} file ({@link SampleOrder}), hold it among other rows in any order,
     * as Parquet or as row files ({@code rowFiles}, {@link io.vecforge.data.RowFile}).
     */
    public record Staged(String rows, boolean rowFiles, String order, long count) implements Serializable {
        public EmbeddingCursor open(Configuration conf) throws IOException {
            if (order == null) {
                return EmbeddingParquetReader.open(conf, new Path(rows), "id", "vector");
            }
            EmbeddingCursor candidates = rowFiles ? RowFileReader.open(conf, new Path(rows))
                    : EmbeddingParquetReader.open(conf, new Path(rows), "id", "vector");
            return OrderedCandidates.open(conf, candidates, new Path(order));
        }
    }

    /**
     * Stages the training sample from the one-read scan's candidates: the sample's ids are chosen from the ids the
     * scan reported (no Spark job, no vector read) and written as an order file; the training task reads the sample
     * candidates' row files. Falls back to a sorted copy of the accepted rows' smallest keys (a pass over the input)
     * when the candidates fall short of the sample.
     */
    public static Staged stage(SparkSession spark, ScanCandidates candidates, Dataset<Row> rows, long acceptedRows,
            long wanted, long seed, Path samplePath) {
        LOG.info("sampling {} training rows (seed {}) from the ids of the input scan's {} candidates", wanted, seed,
                candidates.sampleIds().length);
        long[] pool = candidates.sampleIds();
        int[] chosen = RowSelection.smallest(seed, pool, candidates.sampleBelow(), (int) Math.min(wanted,
                Integer.MAX_VALUE));
        if (RowSelection.holdsAll(chosen.length, wanted, acceptedRows, candidates.sampleBelow())) {
            long[] ids = new long[chosen.length];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = pool[chosen[i]];
            }
            return writeOrder(spark, seed, ids, candidates.sample().toString(), true, samplePath);
        }
        LOG.warn("the input scan's candidates hold {} of the {} sample rows wanted: sampling the accepted rows",
                chosen.length, wanted);
        long count = write(spark, rows, RowSelection.threshold(wanted, acceptedRows), wanted, seed, samplePath);
        return new Staged(samplePath.toString(), false, null, count);
    }

    /**
     * Stages the training sample: from the input scan's candidates (selected below {@code candidatesBelow}) when
     * they hold it, by its ids' order alone (the candidates' vectors are not sorted or copied); else a sorted copy
     * of the accepted rows' smallest keys (a pass over the input) under {@code samplePath}.
     */
    public static Staged stage(SparkSession spark, Dataset<Row> candidates, Path candidatesPath,
            long candidatesBelow, Dataset<Row> rows, long acceptedRows, long wanted, long seed, Path samplePath) {
        if (candidates != null) {
            LOG.info("sampling {} training rows (seed {}) from the input scan's candidates", wanted, seed);
            long[] ids = orderedIds(candidates, candidatesBelow, wanted, seed);
            if (RowSelection.holdsAll(ids.length, wanted, acceptedRows, candidatesBelow)) {
                return writeOrder(spark, seed, ids, candidatesPath.toString(), false, samplePath);
            }
            LOG.warn("the input scan's candidates hold {} of the {} sample rows wanted: sampling the accepted rows",
                    ids.length, wanted);
        }
        long count = write(spark, rows, RowSelection.threshold(wanted, acceptedRows), wanted, seed, samplePath);
        return new Staged(samplePath.toString(), false, null, count);
    }

    private static Staged writeOrder(SparkSession spark, long seed, long[] ids, String candidates, boolean rowFiles,
            Path samplePath) {
        Path order = new Path(samplePath, "order.bin");
        try {
            new SampleOrder(seed, ids).write(spark.sparkContext().hadoopConfiguration(), order);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the training sample's order to " + order, e);
        }
        return new Staged(candidates, rowFiles, order.toString(), ids.length);
    }

    /** The ids of the {@code wanted} rows with the smallest (key, id) below {@code below}, in that order. */
    public static long[] orderedIds(Dataset<Row> rows, long below, long wanted, long seed) {
        Column key = RowSelection.key(seed, col("id"));
        List<Long> ids = rows.select(key.as("_k"), col("id"))
                .where(col("_k").lt(lit(below)))
                .orderBy(col("_k"), col("id"))
                .limit((int) wanted)
                .select("id")
                .as(Encoders.LONG())
                .collectAsList();
        return ids.stream().mapToLong(Long::longValue).toArray();
    }
}
