package io.vecforge.jobs.sample;

import org.apache.hadoop.fs.Path;

/**
 * What the one-read input scan kept for the sample and the queries, as row files ({@link io.vecforge.data.RowFile}):
 * the rows whose sample key fell below {@code sampleBelow} in {@code sample}, with their ids (in the files' order)
 * reported by the scan's tasks, so that the sample is chosen without reading a vector; the rows whose query key
 * fell below {@code queryBelow} in {@code queries}, a few thousand at most.
 */
public record ScanCandidates(Path sample, long[] sampleIds, long sampleBelow, Path queries, long queryRows,
        long queryBelow) {}
