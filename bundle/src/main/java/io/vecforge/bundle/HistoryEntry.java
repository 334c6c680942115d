package io.vecforge.bundle;

/** One move of LATEST, as appended to the index's HISTORY.jsonl. {@code from} is null for the first publish. */
public record HistoryEntry(String at, String action, String from, String to, String user, String host) {}
