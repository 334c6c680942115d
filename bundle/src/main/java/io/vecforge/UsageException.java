package io.vecforge;

/** A bad argument, name or value from the user: {@link Failure#USAGE}. */
public class UsageException extends IllegalArgumentException implements KnownFailure {
    private static final long serialVersionUID = 1L;

    public UsageException(String message) {
        super(message);
    }

    @Override
    public Failure failure() {
        return Failure.USAGE;
    }
}
