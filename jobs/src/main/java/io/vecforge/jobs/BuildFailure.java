package io.vecforge.jobs;

/** Why a build stopped, with the exit code `vecforge build` returns for it (docs/build.md). */
public enum BuildFailure {
    CONFIG(2, "the config cannot work: unknown key, bad value, impossible factory string, or more centroids than data"),
    FAILED(3, "the build failed for another reason (I/O, a bug); the message says which"),
    INPUT_MISSING(20, "the input path is missing, holds no Parquet files, or has no rows"),
    INPUT_NOT_READY(21, "the input has no _SUCCESS marker and input.require-success is set"),
    INPUT_UNREADABLE(22, "an input file is not readable Parquet, or the files disagree on schema"),
    INPUT_SCHEMA(23, "a configured column is missing or has the wrong type"),
    BAD_ROWS(24, "more rows were rejected than input.max-rejected-fraction allows"),
    DUPLICATE_IDS(25, "ids appear more than once and input.duplicates is fail"),
    DRIFT(26, "the new version drifts from the published one beyond the publish.* limits"),
    INVALID_BUNDLE(27, "the built version failed validation (see the validation report)"),
    CONCURRENT_PUBLISH(28, "another build published this index meanwhile; this version stays staged"),
    COMMIT_STATE_UNKNOWN(29, "moving LATEST failed so that it may or may not name the new version; nothing was"
            + " deleted: check with `vecforge list`");

    private final int exitCode;
    private final String meaning;

    BuildFailure(int exitCode, String meaning) {
        this.exitCode = exitCode;
        this.meaning = meaning;
    }

    public int exitCode() {
        return exitCode;
    }

    public String meaning() {
        return meaning;
    }
}
