package io.vecforge;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every way `vecforge` and `vecforge-pull` can fail, with the exit code each returns: the one
 * exit-code type of the project ({@link ExitCodeMapper} maps exceptions to it). The usage help of each command is rendered
 * from it ({@link #usage}), so the help and the code cannot drift apart.
 */
public enum Failure {
    // every command (the usage help of `vecforge` lists them)
    UNEXPECTED(Command.ANY, 1, "unexpected error (a bug, or I/O outside the cases below); the message names its type"),
    USAGE(Command.ANY, 2, "usage error: a bad argument, option value, index or version name"),
    REFUSED(Command.ANY, 4, "refused: the version is not complete, LATEST is locked, moved, or names no version of"
            + " this index"),
    STATE_UNKNOWN(Command.ANY, 5, "LATEST may or may not have moved (an error hit while it was written): check with"
            + " `vecforge list`"),

    // vecforge build (docs/build.md)
    CONFIG(Command.BUILD, 2, "the config cannot work: unknown key, bad value, impossible factory string, or more"
            + " centroids than data"),
    FAILED(Command.BUILD, 3, "the build failed for another reason (I/O, a bug); the message says which"),
    INPUT_MISSING(Command.BUILD, 20, "the input path is missing, holds no Parquet files, or has no rows"),
    INPUT_NOT_READY(Command.BUILD, 21, "the input has no _SUCCESS marker and input.require-success is set"),
    INPUT_UNREADABLE(Command.BUILD, 22, "an input file is not readable Parquet, or the files disagree on schema"),
    INPUT_SCHEMA(Command.BUILD, 23, "a configured column is missing or has the wrong type"),
    BAD_ROWS(Command.BUILD, 24, "more rows were rejected than input.max-rejected-fraction allows"),
    DUPLICATE_INPUT_IDS(Command.BUILD, 25, "ids appear more than once and input.duplicates is fail"),
    DRIFT(Command.BUILD, 26, "the new version drifts from the published one beyond the publish.* limits"),
    INVALID_BUNDLE(Command.BUILD, 27, "the built version failed validation (see the validation report)"),
    CONCURRENT_PUBLISH(Command.BUILD, 28, "another build published this index meanwhile; this version stays staged"),
    COMMIT_STATE_UNKNOWN(Command.BUILD, 29, "moving LATEST failed so that it may or may not name the new version;"
            + " nothing was deleted: check with `vecforge list`"),
    MIXED_DISPATCH(Command.BUILD, 30, "tasks computed with different SIMD kernels (Faiss level or OpenBLAS core), so"
            + " the bundle's bytes would depend on which executor ran which task; pin build.simd-level and"
            + " OPENBLAS_CORETYPE"),
    DELTA_REFUSED(Command.BUILD, 31, "a delta build is refused: no base, external ids, a chain of deltas at its"
            + " limit, inverted lists grown too uneven, or a ground truth that cannot stay exact; the next build"
            + " must be full"),
    MISSING_DELETES(Command.BUILD, 32, "deletes name ids the base version does not hold, and missing deletes are"
            + " set to fail"),

    // vecforge validate (docs/validate.md); the first failure found decides the exit code
    MANIFEST(Command.VALIDATE, 10, "manifest missing, unreadable or inconsistent"),
    INCOMPLETE(Command.VALIDATE, 11, "version has no _SUCCESS vouching for its manifest.json (missing, or the"
            + " manifest changed)"),
    MISSING_FILE(Command.VALIDATE, 12, "a file named by the manifest is missing"),
    SIZE_MISMATCH(Command.VALIDATE, 13, "a file's size differs from the manifest"),
    CHECKSUM_MISMATCH(Command.VALIDATE, 14, "a file's CRC32C differs from the manifest"),
    ROW_COUNT_MISMATCH(Command.VALIDATE, 15, "shard rows do not add up to the accepted input rows"),
    SHARD_UNREADABLE(Command.VALIDATE, 16, "a shard does not load in Faiss or disagrees with the manifest"),
    DUPLICATE_IDS(Command.VALIDATE, 17, "an id appears twice or in the wrong shard"),
    RECALL_TOO_LOW(Command.VALIDATE, 18, "recall on the hold-out queries is below the threshold"),
    MISPLACED(Command.VALIDATE, 19, "the version lies under another index or version name than its manifest says"),

    // vecforge-pull (docs/lifecycle.md); current is never moved to a refused version
    NOT_COMPLETE(Command.PULL, 40, "the version is not complete: no _SUCCESS vouching for its manifest"),
    DOWNLOAD_SIZE_MISMATCH(Command.PULL, 41, "a downloaded file's size differs from the manifest"),
    DOWNLOAD_CHECKSUM_MISMATCH(Command.PULL, 42, "a downloaded file's CRC32C differs from the manifest"),
    PATH_TRAVERSAL(Command.PULL, 43, "the manifest or LATEST names a file or version with '..' or another unsafe"
            + " name"),
    ABSOLUTE_PATH(Command.PULL, 44, "the manifest names a file by an absolute path"),
    SYMLINK(Command.PULL, 45, "a file of the bundle is a symbolic link"),
    TOO_LARGE(Command.PULL, 46, "the manifest declares a file larger than --max-file-bytes"),
    WARM_UP_FAILED(Command.PULL, 47, "a shard does not load in Faiss, disagrees with the manifest, or fails the"
            + " smoke queries"),
    ACTIVATE_FAILED(Command.PULL, 48, "the --on-activate command failed; current was switched back"),
    DUPLICATE_FILE(Command.PULL, 49, "the manifest lists one file name twice"),
    FAISS_TOO_OLD(Command.PULL, 50, "the bundle's faissMinReader is newer than this puller's Faiss: it cannot read"
            + " the files; upgrade the serving nodes first");

    /** The command whose exit codes a failure belongs to. */
    public enum Command { ANY, BUILD, VALIDATE, PULL }

    private final Command command;
    private final int exitCode;
    private final String meaning;

    Failure(Command command, int exitCode, String meaning) {
        this.command = command;
        this.exitCode = exitCode;
        this.meaning = meaning;
    }

    public Command command() {
        return command;
    }

    public int exitCode() {
        return exitCode;
    }

    public String meaning() {
        return meaning;
    }

    /** The failures of one command. */
    public static Failure[] of(Command command) {
        return Arrays.stream(values()).filter(f -> f.command == command).toArray(Failure[]::new);
    }

    /**
     * A command's exit-code list for picocli's usage help: 0 with {@code success}, the failures every
     * command shares that this one can give ({@code shared}), then the command's own failures.
     */
    public static Map<String, String> usage(Command command, String success, Failure... shared) {
        Map<String, String> lines = new LinkedHashMap<>();
        lines.put("0", success);
        for (Failure failure : shared) {
            lines.put(String.valueOf(failure.exitCode), failure.meaning);
        }
        if (command != Command.ANY) {
            for (Failure failure : of(command)) {
                lines.putIfAbsent(String.valueOf(failure.exitCode), failure.meaning);
            }
        }
        return lines;
    }
}
