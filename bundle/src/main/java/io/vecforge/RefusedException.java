package io.vecforge;

/**
 * A well-formed request the index's state refuses (a version not complete, LATEST moved or
 * naming no version of the index, nothing to roll back to): {@link Failure#REFUSED}.
 */
public class RefusedException extends IllegalStateException implements KnownFailure {
    private static final long serialVersionUID = 1L;

    public RefusedException(String message) {
        super(message);
    }

    public RefusedException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public Failure failure() {
        return Failure.REFUSED;
    }
}
