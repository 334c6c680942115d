package io.vecforge.jobs.config;

import java.util.Locale;

/** train.reuse: whether a build may take the published version's trained index instead of training. */
public enum TrainReuse {
    /** Always train (the default). */
    NEVER,
    /** Take the published version's trained index whenever dimension, metric and factory match. */
    PREVIOUS,
    /** As PREVIOUS, unless a fresh sample fits it worse than its own sample by more than train.max-reuse-degradation. */
    AUTO;

    static TrainReuse fromConfig(String value) {
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("train.reuse must be never, previous or auto, got '" + value + "'");
        }
    }
}
