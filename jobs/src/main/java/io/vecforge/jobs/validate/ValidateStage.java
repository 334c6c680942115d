package io.vecforge.jobs.validate;

import io.vecforge.Failure;
import io.vecforge.bundle.BundleStorage;
import io.vecforge.bundle.Manifest;
import io.vecforge.jobs.BuildFailedException;
import io.vecforge.jobs.HadoopConf;
import io.vecforge.validate.BundleValidator;
import io.vecforge.validate.ShardValidation;
import io.vecforge.validate.ValidationReport;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * Validates the new version with `vecforge validate`'s checks (before _SUCCESS exists); each shard's
 * checks (file, load, ids, top-k of the hold-out queries) run in a Spark task of their own, so the
 * driver never loads a shard and only merges top-k lists.
 */
public final class ValidateStage {
    private ValidateStage() {}

    /**
     * @param sweepTargetRecall when not null, the recall curve over nprobe is measured too (the build report's),
     *     as far as the recommendation for this target needs
     */
    public static ValidationReport requireValid(SparkSession spark, BundleStorage storage, Path versionDir,
            Manifest manifest, int taskThreads, Double sweepTargetRecall) throws IOException {
        java.nio.file.Path scratch = Files.createTempDirectory("vecforge-validate-");
        ValidationReport report;
        try {
            report = new BundleValidator(storage, new BundleValidator.Options(false, null, null, scratch, sweepTargetRecall),
                    onExecutors(spark, taskThreads)).validate(versionDir, manifest);
        } finally {
            Files.deleteIfExists(scratch);
        }
        if (!report.isOk()) {
            throw BuildFailedException.of(Failure.INVALID_BUNDLE, "the new version is invalid:\n" + report.summary());
        }
        return report;
    }

    private static BundleValidator.ShardRunner onExecutors(SparkSession spark, int taskThreads) {
        return (work, shards) -> {
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            HadoopConf conf = HadoopConf.forTasks(spark.sparkContext());
            ShardValidation task = work.onExecutor(taskThreads);
            jsc.setJobDescription(work.sweep() != null && work.sweep().later()
                    ? "vecforge: sweep nprobe over " + shards.size() + " shards"
                    : "vecforge: validate " + shards.size() + " shards");
            try {
                List<ShardValidation.Result> results = jsc.parallelize(shards, shards.size())
                        .map(shard -> task.run(BundleStorage.forUri(new Path(task.versionDir()).toUri(), conf.get()),
                                shard))
                        .collect();
                return results;
            } finally {
                jsc.setJobDescription(null);
            }
        };
    }
}
