package io.vecforge.bundle;

/** LATEST moved underneath, or another publisher holds the lock: this commit did not happen. */
public final class ConcurrentPublishException extends CommitFailedException {
    private static final long serialVersionUID = 1L;

    public ConcurrentPublishException(String message) {
        super(message);
    }
}
