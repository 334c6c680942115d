package io.vecforge.serving;

/** A refused pull: which failure, which file, expected and actual values in the message. */
public final class PullException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final PullFailure failure;

    public PullException(PullFailure failure, String message) {
        super(failure + ": " + message);
        this.failure = failure;
    }

    public PullFailure failure() {
        return failure;
    }
}
