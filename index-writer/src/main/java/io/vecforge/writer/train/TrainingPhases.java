package io.vecforge.writer.train;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Splits a Faiss training call into its phases by the verbose lines that open them, dated as they
 * arrive (the captured stream is line-buffered): an OPQ rotation, coarse k-means, residuals, PQ codebooks,
 * polysemous reordering, precomputed tables. Faiss prints the same lines whatever calls it, so plain Faiss is
 * profiled by the same markers (scripts/train_phases.py). The product quantizers an OPQ rotation trains in
 * each of its iterations print the PQ codebooks' lines: they stay in the rotation's phase.
 */
public final class TrainingPhases {
    /** A phase and the line prefix Faiss prints as it starts, in the order Faiss runs them. */
    private record Marker(String phase, String prefix) {}

    private static final String OPQ = "opq-rotation";
    private static final String CODEBOOKS = "pq-codebooks";
    private static final List<Marker> MARKERS = List.of(
            new Marker(OPQ, "OPQMatrix::train: training an OPQ rotation matrix"),
            new Marker("coarse-kmeans", "Training level-1 quantizer"),
            new Marker("residuals", "Training IVF residual"),
            new Marker(CODEBOOKS, "Training PQ slice 0/"),
            new Marker(CODEBOOKS, "Training all PQ slices at once"),
            new Marker("polysemous", "doing polysemous training for PQ"),
            new Marker("precompute-tables", "precomputing IVFPQ tables"));

    private final Map<String, Long> millis = new LinkedHashMap<>();
    private String current = "start";
    private long since;

    /** Starts the clock: the time until the first marker is "start". */
    public TrainingPhases(long startNanos) {
        this.since = startNanos;
    }

    /**
     * Takes one line Faiss printed, at {@code nanos}; a marker line closes the running phase. Returns whether
     * the line opened a phase.
     */
    public synchronized boolean line(String line, long nanos) {
        String trimmed = line.strip();
        for (Marker marker : MARKERS) {
            if (trimmed.startsWith(marker.prefix()) && !marker.phase().equals(current)
                    && !(OPQ.equals(current) && CODEBOOKS.equals(marker.phase()))) {
                close(nanos);
                current = marker.phase();
                return true;
            }
        }
        return false;
    }

    /** Closes the last phase; returns phase → milliseconds, in the order they ran. */
    public synchronized Map<String, Long> finish(long nanos) {
        close(nanos);
        current = "done";
        return new LinkedHashMap<>(millis);
    }

    private void close(long nanos) {
        if ("done".equals(current)) {
            return;
        }
        millis.merge(current, Math.max(0, (nanos - since) / 1_000_000), Long::sum);
        since = nanos;
    }
}
