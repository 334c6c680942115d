package io.vecforge.jobs;

import io.vecforge.Failure;
import io.vecforge.build.TrainingPlan;
import io.vecforge.faiss.FaissIndex;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** Plans, samples and trains: the training sample staged in _work, then one training task. */
final class TrainStage {
    private final SparkSession spark;
    private final BuildConfig config;
    private final HadoopConf hadoopConf;

    TrainStage(SparkSession spark, BuildConfig config) {
        this.spark = spark;
        this.config = config;
        this.hadoopConf = new HadoopConf(spark.sparkContext().hadoopConfiguration());
    }

    /** The sample the factory needs for this many rows; a factory Faiss cannot build fails here, before work. */
    TrainingPlan plan(IndexShape shape, long rows) {
        try {
            FaissIndex.create(shape.dimension(), shape.factory(), shape.metric()).close();
            return TrainingPlan.forFactory(shape.factory(), shape.dimension(), rows, config.train().maxSampleBytes(),
                    config.train().sampleRows());
        } catch (IllegalArgumentException e) {
            throw BuildFailedException.of(Failure.CONFIG, e.getMessage());
        }
    }

    /** Writes the sample and returns its row count, failing if it is below what the factory needs. */
    long sample(Dataset<Row> rows, long acceptedRows, TrainingPlan plan, IndexShape shape, Path samplePath) {
        long sampleRows = HoldoutSelection.writeTrainingSample(spark, rows, acceptedRows, plan.sampleRows(),
                config.train().seed(), samplePath);
        if (sampleRows < plan.minimumRows()) {
            throw BuildFailedException.of(Failure.CONFIG, "training sample has " + sampleRows + " rows, below the "
                    + plan.minimumRows() + " '" + shape.factory() + "' needs");
        }
        return sampleRows;
    }

    TrainTask.Result train(Path samplePath, long sampleRows, IndexShape shape, Path trainedPath) throws Exception {
        int threads = TrainingScheduler.threads(spark.sparkContext(), config.train());
        TrainTask task = new TrainTask(hadoopConf, new TrainTask.Spec(samplePath.toString(), sampleRows, shape,
                trainedPath.toString(), threads, config.train().trainer(), config.train().gpuResource()));
        return new TrainingScheduler(JavaSparkContext.fromSparkContext(spark.sparkContext()), config)
                .run(task, Math.max(1, threads));
    }
}
