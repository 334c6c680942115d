package io.vecforge.jobs.train;

import io.vecforge.Failure;
import io.vecforge.bundle.BundleLayout;
import io.vecforge.bundle.Manifest;
import io.vecforge.jobs.BuildFailedException;
import io.vecforge.jobs.BuildPlan;
import io.vecforge.jobs.HadoopConf;
import io.vecforge.jobs.IndexShape;
import io.vecforge.jobs.Published;
import io.vecforge.jobs.config.BuildConfig;
import io.vecforge.jobs.config.TrainReuse;
import io.vecforge.jobs.sample.ScanCandidates;
import io.vecforge.jobs.sample.TrainingSample;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** Plans, samples and trains: the training sample staged in _work, then one training task. */
public final class TrainStage {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TrainStage.class);
    private final SparkSession spark;
    private final BuildConfig config;
    private final HadoopConf hadoopConf;

    public TrainStage(SparkSession spark, BuildConfig config) {
        this.spark = spark;
        this.config = config;
        this.hadoopConf = HadoopConf.forTasks(spark.sparkContext());
    }

    /**
     * What train.reuse may reuse: the published version's trained index when its dimension and metric
     * are this build's and its factory is one the build would train; null (train) otherwise, or under
     * train.reuse=never.
     */
    public TrainTask.Reuse reuse(Published previous, BuildPlan plan, BundleLayout layout) {
        IndexShape shape = plan.shape();
        TrainReuse mode = config.train().reuse();
        if (mode == TrainReuse.NEVER || !previous.exists()) {
            return null;
        }
        String publishedVersion = previous.version();
        Manifest published = previous.manifest();
        boolean same = published.vectors().dimension() == shape.dimension()
                && shape.metric() == published.vectors().metric()
                && plan.candidates().contains(published.vectors().factory())
                && published.training().trainedIndexFile() != null
                && published.file(Manifest.FileRole.TRAINED_INDEX) != null;
        if (!same) {
            LOG.info("train.reuse={}: published {} has another dimension, metric or factory; training", mode,
                    publishedVersion);
            return null;
        }
        // LATEST's (checked) version names the directory, never the manifest's own say
        Path trained = new Path(layout.versionDir(publishedVersion), BundleLayout.TRAINED_INDEX);
        Manifest.BundleFile listed = published.file(Manifest.FileRole.TRAINED_INDEX);
        return new TrainTask.Reuse(mode, publishedVersion, published.vectors().factory(), trained.toString(),
                listed.bytes(), listed.crc32c(), published.training().quantizerFit(),
                config.train().maxReuseDegradation());
    }

    /**
     * Stages the sample, failing if it is below what the factory needs. It is picked from the input scan's
     * candidates (in {@code candidatesPath}, selected below {@code candidatesBelow}) when they hold it, else
     * (external ids, a candidate set short of it) from the accepted rows, a pass over the input, into
     * {@code samplePath}.
     */
    public TrainingSample.Staged sample(Dataset<Row> candidates, Path candidatesPath, long candidatesBelow,
            Dataset<Row> rows, long acceptedRows, BuildPlan plan, Path samplePath) {
        return requireEnough(TrainingSample.stage(spark, candidates, candidatesPath, candidatesBelow, rows,
                acceptedRows, plan.training().sampleRows(), config.train().seed(), samplePath), plan);
    }

    /** As above, from the one-read scan's candidates. */
    public TrainingSample.Staged sample(ScanCandidates candidates, Dataset<Row> rows, long acceptedRows,
            BuildPlan plan, Path samplePath) {
        return requireEnough(TrainingSample.stage(spark, candidates, rows, acceptedRows, plan.training().sampleRows(),
                config.train().seed(), samplePath), plan);
    }

    private TrainingSample.Staged requireEnough(TrainingSample.Staged staged, BuildPlan plan) {
        long sampleRows = staged.count();
        if (sampleRows < plan.training().minimumRows()) {
            throw BuildFailedException.of(Failure.CONFIG, "training sample has " + sampleRows + " rows, below the "
                    + plan.training().minimumRows() + " '" + plan.shape().factory() + "' needs");
        }
        return staged;
    }

    public TrainTask.Result train(TrainingSample.Staged sample, BuildPlan plan, Path trainedPath,
            TrainTask.Reuse reuse)
            throws Exception {
        int threads = TrainingScheduler.threads(spark.sparkContext(), config.train());
        TrainTask task = new TrainTask(hadoopConf, new TrainTask.Spec(sample, plan.shape(), plan.candidates(),
                trainedPath.toString(), threads, config.train().trainer(), config.train().gpuResource(),
                spark.sparkContext().isLocal(), reuse, config.build().simdLevel()));
        return new TrainingScheduler(JavaSparkContext.fromSparkContext(spark.sparkContext()), config)
                .run(task, Math.max(1, threads));
    }
}
