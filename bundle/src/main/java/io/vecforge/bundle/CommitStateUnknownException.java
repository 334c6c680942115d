package io.vecforge.bundle;

import io.vecforge.Failure;
import io.vecforge.KnownFailure;

/**
 * The pointer write failed in a way that leaves it unknown whether LATEST names the version (as
 * Iceberg's CommitStateUnknownException): the caller must neither retry blindly nor delete or
 * mark the version failed, since it may be the one serving.
 */
public final class CommitStateUnknownException extends IllegalStateException implements KnownFailure {
    private static final long serialVersionUID = 1L;

    public CommitStateUnknownException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public Failure failure() {
        return Failure.STATE_UNKNOWN;
    }
}
