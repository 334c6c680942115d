package io.vecforge.jobs;

import io.vecforge.Failure;

/** A build that stopped before publishing; says which stage, why, and what. LATEST is untouched. */
public class BuildFailedException extends RuntimeException implements io.vecforge.KnownFailure {
    private static final long serialVersionUID = 1L;

    private final String stage;
    private final Failure failure;

    public BuildFailedException(String stage, Failure failure, String message, Throwable cause) {
        super("build failed in stage '" + stage + "' (" + failure + "): " + message, cause);
        this.stage = stage;
        this.failure = failure;
    }

    /** A failure whose stage is filled in by the job when it catches it. */
    public static BuildFailedException of(Failure failure, String message) {
        return new BuildFailedException("?", failure, message, null);
    }

    public String stage() {
        return stage;
    }

    @Override
    public Failure failure() {
        return failure;
    }

    /** The message without the stage prefix. */
    public String detail() {
        String prefix = "build failed in stage '" + stage + "' (" + failure + "): ";
        return getMessage().startsWith(prefix) ? getMessage().substring(prefix.length()) : getMessage();
    }

    /** What `_FAILED` records: stage, failure, exit code, message, time. */
    public java.util.Map<String, Object> record() {
        java.util.Map<String, Object> record = new java.util.LinkedHashMap<>();
        record.put("stage", stage);
        record.put("failure", failure.name());
        record.put("exitCode", failure.exitCode());
        record.put("message", detail());
        record.put("failedAt", java.time.Instant.now().toString());
        return record;
    }

    /** The innermost cause's message: Spark wraps task failures several levels deep. */
    public static String rootCause(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        return cause == e ? message : message + " (" + cause.getClass().getSimpleName() + ")";
    }

    public BuildFailedException inStage(String actualStage) {
        return new BuildFailedException(actualStage, failure, detail(), getCause());
    }
}
