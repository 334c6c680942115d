package io.vecforge.jobs.config;

import io.vecforge.Failure;
import io.vecforge.UsageException;

/** The build's config cannot work: an unknown key, a bad value, an unreadable config file ({@link Failure#CONFIG}). */
public final class ConfigException extends UsageException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }

    @Override
    public Failure failure() {
        return Failure.CONFIG;
    }
}
