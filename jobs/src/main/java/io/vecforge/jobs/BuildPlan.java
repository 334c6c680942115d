package io.vecforge.jobs;

import io.vecforge.Failure;
import io.vecforge.faiss.FaissIndex;
import io.vecforge.jobs.config.BuildConfig;
import io.vecforge.writer.train.FactoryChooser;
import io.vecforge.writer.train.TrainingPlan;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the build makes, resolved once from the config and the input's shape: the index's shape
 * (index.factory=auto chosen here), and the training plan (the sample the factory needs). A
 * factory Faiss cannot build, or one wanting more rows than there are, fails here, before work.
 *
 * @param auto what index.factory=auto chose and why; null for a configured factory
 */
public record BuildPlan(IndexShape shape, FactoryChooser.Choice auto, TrainingPlan training) {
    private static final Logger LOG = LoggerFactory.getLogger(BuildPlan.class);

    public static BuildPlan resolve(BuildConfig config, int dimension, long rows) {
        BuildConfig.Index index = config.index();
        try {
            FactoryChooser.Choice auto = null;
            String factory = index.factory();
            if (index.autoFactory()) {
                auto = FactoryChooser.choose(rows, dimension, index.shards(), index.maxMemory());
                factory = auto.factory();
                LOG.info("index.factory=auto chose {}: {}", factory, auto.reasoning());
            }
            FaissIndex.create(dimension, factory, index.metric()).close();
            TrainingPlan training = TrainingPlan.forFactory(factory, dimension, rows, config.train().maxSampleBytes(),
                    config.train().sampleRows());
            return new BuildPlan(new IndexShape(dimension, factory, index.metric()), auto, training);
        } catch (IllegalArgumentException e) {
            throw BuildFailedException.of(Failure.CONFIG, e.getMessage());
        }
    }

    public int dimension() {
        return shape.dimension();
    }
}
