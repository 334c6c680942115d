package io.vecforge.jobs.config;

import java.util.Locale;

/** train.trainer: where the quantizer is trained. */
public enum TrainerChoice {
    /** A GPU when the cluster offers one and the native library can use it, else the CPU. */
    AUTO,
    /** A GPU or a clear failure. */
    GPU,
    CPU;

    public static TrainerChoice fromConfig(String value) {
        try {
            return valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("train.trainer must be auto, gpu or cpu, got '" + value + "'");
        }
    }

    String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
