package io.vecforge.jobs.delta;

import io.vecforge.faiss.Neighbours;
import io.vecforge.jobs.shard.RowKey;
import io.vecforge.jobs.shard.ShardStage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import scala.Tuple2;

/**
 * The shards stage of a delta build: the delta's rows partitioned by shard and sorted by (id,
 * order), exactly as a full build's, and one {@link DeltaShardTask} for every shard of the base,
 * touched or not.
 */
final class DeltaShardStage {
    /** The reports in shard order, with the upserts' exact neighbours merged and the touched truth ids. */
    record Result(List<DeltaShardTask.Report> reports, Neighbours upsertNeighbours, long[] touchedTruthIds) {
        long rows() {
            return reports.stream().mapToLong(DeltaShardTask.Report::rows).sum();
        }

        long sum(java.util.function.ToLongFunction<io.vecforge.writer.shard.ShardPatcher.Result> counter) {
            return reports.stream().filter(r -> r.patch() != null).mapToLong(r -> counter.applyAsLong(r.patch())).sum();
        }

        double upsertFitSum() {
            return reports.stream().filter(r -> r.patch() != null).mapToDouble(r -> r.patch().upsertFitSum()).sum();
        }

        List<Integer> changedShards() {
            return reports.stream().filter(DeltaShardTask.Report::changed).map(DeltaShardTask.Report::shard).toList();
        }
    }

    private DeltaShardStage() {}

    static Result run(SparkSession spark, Dataset<Row> rows, DeltaShardTask task, int shards, float[] queries,
            int queryCount, int depth, boolean smallerIsCloser, long[] truthIds) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<float[]> sharedQueries = jsc.broadcast(queries);
        Broadcast<long[]> watched = jsc.broadcast(truthIds);
        jsc.setJobDescription("vecforge: apply the delta to " + shards + " shards");
        JavaPairRDD<RowKey, DeltaShardTask.Op> byShard = rows.queryExecution().toRdd().toJavaRDD()
                .mapToPair(DeltaShardStage::toPair)
                .repartitionAndSortWithinPartitions(new ShardStage.ShardPartitioner(shards), RowKey.ORDER);
        List<DeltaShardTask.Report> reports;
        try {
            reports = new ArrayList<>(byShard
                    .mapPartitionsWithIndex((shard, part) -> List.of(task.run(shard, part, sharedQueries.value(),
                            watched.value())).iterator(), true)
                    .collect());
        } finally {
            jsc.setJobDescription(null);
        }
        reports.sort(Comparator.comparingInt(DeltaShardTask.Report::shard));
        Neighbours upserts = new Neighbours(queryCount, depth, smallerIsCloser);
        List<Long> touched = new ArrayList<>();
        for (DeltaShardTask.Report report : reports) {
            if (report.patch() != null) {
                upserts.merge(report.patch().exactNeighbours());
                for (long id : report.patch().touchedTruthIds()) {
                    touched.add(id);
                }
            }
        }
        return new Result(reports, upserts, touched.stream().mapToLong(Long::longValue).toArray());
    }

    /** (id, order) → (upsert, vector), read from Spark's internal rows as the full build's are: no boxing. */
    private static Tuple2<RowKey, DeltaShardTask.Op> toPair(InternalRow row) {
        boolean upsert = row.getBoolean(1);
        float[] vector = upsert ? row.getArray(2).toFloatArray() : null;
        return new Tuple2<>(new RowKey(row.getLong(0), row.getLong(3)), new DeltaShardTask.Op(upsert, vector));
    }
}
