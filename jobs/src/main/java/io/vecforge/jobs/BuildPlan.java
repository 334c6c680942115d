package io.vecforge.jobs;

import io.vecforge.Failure;
import io.vecforge.faiss.FaissIndex;
import io.vecforge.jobs.config.BuildConfig;
import io.vecforge.writer.train.FactoryChooser;
import io.vecforge.writer.train.TrainingPlan;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the build makes, resolved once from the config and the input's shape: the index's shape
 * (index.factory=auto chosen here, but for the codec trial among its candidates when training: {@link
 * #trained}), and the training plan (the sample the factory needs). A factory Faiss cannot build or train
 * (a polysemous reordering over Faiss's memory limit), or one wanting more rows than there are, fails here,
 * before work.
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
                auto = FactoryChooser.choose(rows, dimension, index.shards(), index.maxMemory(), index.metric());
                factory = auto.factory();
                LOG.info("index.factory=auto chose {}: {}", factory, auto.reasoning());
            }
            for (String candidate : candidates(factory, auto)) {
                try (FaissIndex probe = FaissIndex.create(dimension, candidate, index.metric())) {
                    probe.checkTrainable();
                } catch (IllegalArgumentException e) {
                    throw e.getMessage().contains(candidate) ? e
                            : new IllegalArgumentException("index.factory '" + candidate + "': " + e.getMessage(), e);
                }
            }
            TrainingPlan training = TrainingPlan.forFactory(factory, dimension, rows, config.train().maxSampleBytes(),
                    config.train().sampleRows());
            return new BuildPlan(new IndexShape(dimension, factory, index.metric()), auto, training);
        } catch (IllegalArgumentException e) {
            throw BuildFailedException.of(Failure.CONFIG, e.getMessage());
        }
    }

    /** The factories the training task trains and compares (one: no trial), the planned one first. */
    public List<String> candidates() {
        return candidates(shape.factory(), auto);
    }

    private static List<String> candidates(String factory, FactoryChooser.Choice auto) {
        return auto == null ? List.of(factory) : auto.candidates().stream().map(FactoryChooser.Sized::factory).toList();
    }

    /** This plan with the factory the training task kept (index.factory=auto's codec trial). */
    public BuildPlan trained(String factory) {
        if (!candidates().contains(factory)) {
            throw new IllegalStateException("training kept " + factory + ", not one of " + candidates());
        }
        return new BuildPlan(new IndexShape(shape.dimension(), factory, shape.metric()), auto, training);
    }

    public int dimension() {
        return shape.dimension();
    }
}
