package io.vecforge.bundle;

import io.vecforge.Failure;
import io.vecforge.UsageException;

/** A root on a store that cannot hold bundles safely (no atomic commit for it yet). */
public final class UnsupportedStorageException extends UsageException {
    private static final long serialVersionUID = 1L;

    public UnsupportedStorageException(String message) {
        super(message);
    }
}
