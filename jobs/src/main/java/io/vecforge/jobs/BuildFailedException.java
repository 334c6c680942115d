package io.vecforge.jobs;

/** A build that stopped before publishing; the message says which stage and why. LATEST is untouched. */
public class BuildFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String stage;

    public BuildFailedException(String stage, String message, Throwable cause) {
        super("build failed in stage '" + stage + "': " + message, cause);
        this.stage = stage;
    }

    public String stage() {
        return stage;
    }
}
