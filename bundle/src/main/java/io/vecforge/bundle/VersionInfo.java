package io.vecforge.bundle;

/** One version of an index as `vecforge list` shows it; rows, bytes, recall and createdAt are null when unknown. */
public record VersionInfo(String version, VersionState state, boolean pinned, Long rows, Long bytes, Double recall,
        String createdAt, long modifiedMillis) {}
