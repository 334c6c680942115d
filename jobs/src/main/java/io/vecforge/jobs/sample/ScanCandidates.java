package io.vecforge.jobs.sample;

import org.apache.hadoop.fs.Path;

/**
 * What the one-read input scan kept for the sample and the queries: the rows whose sample key fell below
 * {@code sampleBelow} as row files ({@link io.vecforge.data.RowFile}) in {@code sample}, with their ids (in the
 * files' order) reported by the scan's tasks, so that the sample is chosen without reading a vector; the rows
 * whose query key fell below {@code queryBelow} themselves (a few thousand at most), ids and vectors
 * ({@code queryIds.length} × dimension floats), so that the queries are chosen without reading a file.
 */
public record ScanCandidates(Path sample, long[] sampleIds, long sampleBelow, long[] queryIds, float[] queryVectors,
        long queryBelow) {}
