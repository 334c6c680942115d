package io.vecforge.validate;

/** What a failed check means, with the exit code `vecforge validate` returns for it (docs/validate.md). */
public enum FailureClass {
    MANIFEST(10, "manifest missing, unreadable or inconsistent"),
    INCOMPLETE(11, "version has no _SUCCESS vouching for its manifest.json (missing, or the manifest changed)"),
    MISSING_FILE(12, "a file named by the manifest is missing"),
    SIZE_MISMATCH(13, "a file's size differs from the manifest"),
    CHECKSUM_MISMATCH(14, "a file's CRC32C differs from the manifest"),
    ROW_COUNT_MISMATCH(15, "shard rows do not add up to the accepted input rows"),
    SHARD_UNREADABLE(16, "a shard does not load in Faiss or disagrees with the manifest"),
    DUPLICATE_IDS(17, "an id appears twice or in the wrong shard"),
    RECALL_TOO_LOW(18, "recall on the hold-out queries is below the threshold"),
    MISPLACED(19, "the version lies under another index or version name than its manifest says");

    private final int exitCode;
    private final String meaning;

    FailureClass(int exitCode, String meaning) {
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
