package io.vecforge.jobs.publish;
import io.vecforge.jobs.BuildFailedException;
import io.vecforge.jobs.config.BuildConfig;

import io.vecforge.Failure;
import io.vecforge.bundle.Manifest;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compares a new version with the published one before LATEST moves: a change of dimension or
 * metric, a row count changed by more than publish.max-count-change, or recall lower by more
 * than publish.max-recall-drop refuses publication, unless publish.allow-drift is set.
 */
public final class DriftGuard {
    private static final Logger LOG = LoggerFactory.getLogger(DriftGuard.class);

    private final Manifest published;
    private final String newVersion;
    private final BuildConfig config;

    /** @param published the manifest LATEST names, or null when nothing is published yet */
    public DriftGuard(Manifest published, String newVersion, BuildConfig config) {
        this.published = published;
        this.newVersion = newVersion;
        this.config = config;
    }

    public void checkShape(int dimension, String metric) {
        if (published == null) {
            return;
        }
        if (published.vectors.dimension != dimension) {
            refuse(String.format(Locale.ROOT, "dimension changes from %d (published %s) to %d (new %s)",
                    published.vectors.dimension, published.version, dimension, newVersion));
        }
        if (!published.vectors.metric.equals(metric)) {
            refuse(String.format(Locale.ROOT, "metric changes from %s (published %s) to %s (new %s)",
                    published.vectors.metric, published.version, metric, newVersion));
        }
    }

    public void checkCount(long rows) {
        if (published == null || published.source.acceptedRows == 0) {
            return;
        }
        long before = published.source.acceptedRows;
        double change = Math.abs(rows - before) / (double) before;
        if (change > config.publish().maxCountChange()) {
            refuse(String.format(Locale.ROOT,
                    "row count changes by %.1f%% from %,d (published %s) to %,d (new %s), above"
                            + " publish.max-count-change=%s",
                    100 * change, before, published.version, rows, newVersion, config.get("publish.max-count-change")));
        }
    }

    public void checkRecall(double recall) {
        if (published == null || published.validation.recall == null) {
            return;
        }
        double drop = published.validation.recall - recall;
        if (drop > config.publish().maxRecallDrop()) {
            refuse(String.format(Locale.ROOT,
                    "recall@%d drops by %.4f from %.4f (published %s) to %.4f (new %s), above"
                            + " publish.max-recall-drop=%s",
                    published.validation.k, drop, published.validation.recall, published.version, recall, newVersion,
                    config.get("publish.max-recall-drop")));
        }
    }

    private void refuse(String drift) {
        if (config.publish().allowDrift()) {
            LOG.warn("drift allowed (publish.allow-drift): {}", drift);
            return;
        }
        throw BuildFailedException.of(Failure.DRIFT,
                drift + "; publish anyway with --allow-drift (publish.allow-drift=true)");
    }
}
