package io.vecforge.serving;

/** Why a pull refused a version, with the exit code `vecforge-pull` returns. `current` is never moved to it. */
public enum PullFailure {
    NOT_COMPLETE(40, "the version is not complete: no _SUCCESS vouching for its manifest"),
    SIZE_MISMATCH(41, "a downloaded file's size differs from the manifest"),
    CHECKSUM_MISMATCH(42, "a downloaded file's CRC32C differs from the manifest"),
    PATH_TRAVERSAL(43, "the manifest names a file with '..' or another unsafe name"),
    ABSOLUTE_PATH(44, "the manifest names a file by an absolute path"),
    SYMLINK(45, "a file of the bundle is a symbolic link"),
    TOO_LARGE(46, "the manifest declares a file larger than --max-file-bytes"),
    WARM_UP_FAILED(47, "a shard does not load in Faiss, disagrees with the manifest, or fails the smoke queries"),
    ACTIVATE_FAILED(48, "the --on-activate command failed; current was switched back"),
    DUPLICATE_FILE(49, "the manifest lists one file name twice");

    private final int exitCode;
    private final String meaning;

    PullFailure(int exitCode, String meaning) {
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
