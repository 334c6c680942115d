package io.vecforge.serving;

import io.vecforge.Failure;
import io.vecforge.KnownFailure;

/** A refused pull: which failure, which file, expected and actual values in the message. */
public final class PullException extends RuntimeException implements KnownFailure {
    private static final long serialVersionUID = 1L;

    private final Failure failure;

    public PullException(Failure failure, String message) {
        super(failure + ": " + message);
        this.failure = failure;
    }

    @Override
    public Failure failure() {
        return failure;
    }
}
