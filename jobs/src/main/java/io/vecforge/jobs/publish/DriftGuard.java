package io.vecforge.jobs.publish;

import io.vecforge.Failure;
import io.vecforge.bundle.Manifest;
import io.vecforge.faiss.Metric;
import io.vecforge.jobs.BuildFailedException;
import io.vecforge.jobs.IndexShape;
import io.vecforge.jobs.Published;
import io.vecforge.jobs.config.BuildConfig;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compares a new version with the published one before LATEST moves, each rule in one place: a
 * change of dimension or metric ({@link #checkShape}, as soon as the plan is known), a row count
 * changed by more than publish.max-count-change or recall lower by more than
 * publish.max-recall-drop ({@link #checkResult}, once the version is validated). Any of them
 * refuses publication, unless publish.allow-drift is set.
 */
public final class DriftGuard {
    private static final Logger LOG = LoggerFactory.getLogger(DriftGuard.class);

    private final Manifest published;
    private final String newVersion;
    private final BuildConfig.Publish limits;

    public DriftGuard(Published published, String newVersion, BuildConfig.Publish limits) {
        this.published = published.manifest();
        this.newVersion = newVersion;
        this.limits = limits;
    }

    public void checkShape(IndexShape shape) {
        if (published == null) {
            return;
        }
        if (published.vectors().dimension() != shape.dimension()) {
            refuse(String.format(Locale.ROOT, "dimension changes from %d (published %s) to %d (new %s)",
                    published.vectors().dimension(), published.version(), shape.dimension(), newVersion));
        }
        Metric metric = shape.metric();
        if (published.vectors().metric() != metric) {
            refuse(String.format(Locale.ROOT, "metric changes from %s (published %s) to %s (new %s)",
                    published.vectors().metric(), published.version(), metric, newVersion));
        }
    }

    /** The indexed row count and the recall of the validated version against the published one's. */
    public void checkResult(long indexedRows, double recall) {
        if (published == null) {
            return;
        }
        long before = published.source().acceptedRows();
        if (before > 0) {
            double change = Math.abs(indexedRows - before) / (double) before;
            if (change > limits.maxCountChange()) {
                refuse(String.format(Locale.ROOT,
                        "row count changes by %.1f%% from %,d (published %s) to %,d (new %s), above"
                                + " publish.max-count-change=%s",
                        100 * change, before, published.version(), indexedRows, newVersion, limits.maxCountChange()));
            }
        }
        if (published.validation().recall() != null) {
            double drop = published.validation().recall() - recall;
            if (drop > limits.maxRecallDrop()) {
                refuse(String.format(Locale.ROOT,
                        "recall@%d drops by %.4f from %.4f (published %s) to %.4f (new %s), above"
                                + " publish.max-recall-drop=%s",
                        published.validation().k(), drop, published.validation().recall(), published.version(), recall,
                        newVersion, limits.maxRecallDrop()));
            }
        }
    }

    private void refuse(String drift) {
        if (limits.allowDrift()) {
            LOG.warn("drift allowed (publish.allow-drift): {}", drift);
            return;
        }
        throw BuildFailedException.of(Failure.DRIFT,
                drift + "; publish anyway with --allow-drift (publish.allow-drift=true)");
    }
}
