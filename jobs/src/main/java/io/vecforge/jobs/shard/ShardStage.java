package io.vecforge.jobs.shard;

import io.vecforge.Failure;
import io.vecforge.bundle.DuplicatePolicy;
import io.vecforge.bundle.ShardAssignment;
import io.vecforge.faiss.Neighbours;
import io.vecforge.faiss.SimdDispatch;
import io.vecforge.jobs.BuildFailedException;
import io.vecforge.jobs.input.RowAccounting;
import io.vecforge.writer.shard.InvalidRowException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.ContextCleaner;
import org.apache.spark.Partitioner;
import org.apache.spark.ShuffleDependency;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.rdd.ShuffledRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import scala.Option;
import scala.Tuple2;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * The shards stage: rows are partitioned by {@link ShardAssignment} (the shuffle written by
 * {@link ShardRowSerializer}), one {@link ShardTask} per shard sorts its rows by (id, order) and streams them
 * into a copy of the trained index, and the
 * reports come back with the exact neighbours of the hold-out queries merged.
 */
public final class ShardStage {
    /** The shard tasks' reports, in shard order, with their exact neighbours and duplicates summed. */
    public record Result(List<ShardTask.Report> reports, Neighbours exact, long duplicates) {
        /** Under input.duplicates=fail a repeated id fails the build, naming a few. */
        public void requireNoDuplicates(DuplicatePolicy policy) {
            if (duplicates == 0 || policy != DuplicatePolicy.FAIL) {
                return;
            }
            List<Long> samples = reports.stream().flatMap(r -> r.duplicateSamples().stream()).limit(10).toList();
            throw BuildFailedException.of(Failure.DUPLICATE_INPUT_IDS, String.format(Locale.ROOT,
                    "%,d rows repeat an id already seen (input.duplicates=fail); e.g. ids %s. Set input.duplicates to"
                            + " keep-first or keep-latest with input.order-column to keep one row per id",
                    duplicates, samples));
        }

        /** The rows the shards indexed. */
        public long rows() {
            return reports.stream().mapToLong(ShardTask.Report::rows).sum();
        }

        /** input = indexed + rejected + duplicates dropped, exactly, or the build fails; returns the indexed rows. */
        public long requireBalanced(RowAccounting rows) {
            long indexed = rows();
            if (rows.inputRows() != indexed + rows.rejectedRows() + duplicates) {
                throw BuildFailedException.of(Failure.FAILED, String.format(Locale.ROOT,
                        "rows lost: input %d != indexed %d + rejected %d + duplicates dropped %d", rows.inputRows(),
                        indexed, rows.rejectedRows(), duplicates));
            }
            return indexed;
        }

        /**
         * Every task computed with the same SIMD level and BLAS kernels as the training task, or the build
         * fails: they decide rounding, so a bundle must not depend on which executor ran which task
         * (docs/cluster.md#simd).
         */
        public void requireOneDispatch(SimdDispatch training, String simdLevel) {
            Map<String, List<String>> tasksByDispatch = new TreeMap<>();
            tasksByDispatch.computeIfAbsent(training.toString(), d -> new ArrayList<>()).add("training");
            for (ShardTask.Report report : reports) {
                tasksByDispatch.computeIfAbsent(report.dispatch().toString(), d -> new ArrayList<>())
                        .add("shard " + report.shard());
            }
            if (tasksByDispatch.size() > 1) {
                throw BuildFailedException.of(Failure.MIXED_DISPATCH, "tasks computed with different SIMD kernels ("
                        + "Faiss level / OpenBLAS core): " + tasksByDispatch + "; build.simd-level=" + simdLevel
                        + ". Pin build.simd-level to a level every executor has and OPENBLAS_CORETYPE"
                        + " (spark.executorEnv.OPENBLAS_CORETYPE) to one kernel set (docs/cluster.md#simd)");
            }
        }
    }

    private static final ClassTag<RowKey> KEY_TAG = ClassTag$.MODULE$.apply(RowKey.class);
    private static final ClassTag<float[]> VECTOR_TAG = ClassTag$.MODULE$.apply(float[].class);

    private ShardStage() {}

    public static Result run(SparkSession spark, Dataset<Row> rows, ShardTask task, int shards, float[] queries,
            int queryCount, int k, boolean smallerIsCloser) {
        JavaPairRDD<RowKey, float[]> pairs = rows.queryExecution().toRdd().toJavaRDD().mapToPair(ShardStage::toPair);
        return build(spark, partition(pairs, shards), task, shards, queries, queryCount, k, smallerIsCloser);
    }

    /**
     * The rows partitioned by shard: a shuffle, not yet run. Not sorted: each shard task sorts its rows by (id,
     * order) itself ({@link io.vecforge.writer.shard.SortedRows}), in bounded memory.
     */
    public static ShuffledRDD<RowKey, float[], float[]> partition(JavaPairRDD<RowKey, float[]> pairs, int shards) {
        return new ShuffledRDD<RowKey, float[], float[]>(pairs.rdd(), new ShardPartitioner(shards), KEY_TAG,
                VECTOR_TAG, VECTOR_TAG)
                .setSerializer(new ShardRowSerializer());
    }

    /**
     * Builds the shards from the partitioned rows: one {@link ShardTask} per shard (when the shuffle's map side
     * already ran, as {@link io.vecforge.jobs.input.ShuffledScan} runs it, Spark reuses its output).
     */
    public static Result build(SparkSession spark, ShuffledRDD<RowKey, float[], float[]> partitioned, ShardTask task,
            int shards, float[] queries, int queryCount, int k, boolean smallerIsCloser) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<float[]> sharedQueries = jsc.broadcast(queries);
        jsc.setJobDescription("vecforge: build " + shards + " shards");
        JavaPairRDD<RowKey, float[]> byShard = JavaPairRDD.fromRDD(partitioned, KEY_TAG, VECTOR_TAG);
        List<ShardTask.Report> reports;
        try {
            reports = new ArrayList<>(byShard
                    .mapPartitionsWithIndex((shard, part) -> List.of(task.run(shard, part, sharedQueries.value()))
                            .iterator(), true)
                    .collect());
        } finally {
            jsc.setJobDescription(null);
        }
        releaseShuffle(spark.sparkContext(), partitioned);
        reports.sort(Comparator.comparingInt(ShardTask.Report::shard));
        Neighbours exact = new Neighbours(queryCount, k, smallerIsCloser);
        long duplicates = 0;
        for (ShardTask.Report report : reports) {
            exact.merge(report.exact());
            duplicates += report.duplicates();
        }
        return new Result(reports, exact, duplicates);
    }

    /**
     * Drops the shard shuffle's files once every shard is built, in the background (the executors delete them while
     * validation runs). Spark would keep them until the application ends and then delete them before the build's
     * process exits: gigabytes at millions of rows, and that deletion was the build's last second.
     */
    private static void releaseShuffle(SparkContext spark, ShuffledRDD<?, ?, ?> shuffle) {
        Option<ContextCleaner> cleaner = spark.cleaner();
        if (cleaner.isDefined()) {
            cleaner.get().doCleanupShuffle(((ShuffleDependency<?, ?, ?>) shuffle.dependencies().head()).shuffleId(),
                    false);
        }
    }

    /** (id, vector, order) of an accepted row; the checks repeat the row check's, as a safety net. */
    private static Tuple2<RowKey, float[]> toPair(InternalRow row) {
        if (row.isNullAt(0)) {
            throw new IllegalArgumentException("a row has a null id");
        }
        long id = row.getLong(0);
        if (row.isNullAt(1)) {
            throw new InvalidRowException(id, "vector is null");
        }
        ArrayData vector = row.getArray(1);
        for (int j = 0; j < vector.numElements(); j++) {
            if (vector.isNullAt(j)) {
                throw new InvalidRowException(id, "component " + j + " is null");
            }
        }
        return new Tuple2<>(new RowKey(id, row.getLong(2)), vector.toFloatArray());
    }

    /** Sends each id to its shard as {@link ShardAssignment} defines it. */
    public static final class ShardPartitioner extends Partitioner {
        private static final long serialVersionUID = 1L;
        private final int shards;

        public ShardPartitioner(int shards) {
            this.shards = shards;
        }

        @Override
        public int numPartitions() {
            return shards;
        }

        @Override
        public int getPartition(Object key) {
            return ShardAssignment.shardOf(((RowKey) key).id(), shards);
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof ShardPartitioner p && p.shards == shards;
        }

        @Override
        public int hashCode() {
            return shards;
        }
    }
}
