package io.vecforge.bundle;

import io.vecforge.RefusedException;

/** LATEST was not moved: the version is exactly as it was (staged, if it was complete). */
public class CommitFailedException extends RefusedException {
    private static final long serialVersionUID = 1L;

    public CommitFailedException(String message) {
        super(message);
    }

    public CommitFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
