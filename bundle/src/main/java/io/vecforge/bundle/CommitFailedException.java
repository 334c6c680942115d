package io.vecforge.bundle;

/** LATEST was not moved: the version is exactly as it was (staged, if it was complete). */
public class CommitFailedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public CommitFailedException(String message) {
        super(message);
    }

    public CommitFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
