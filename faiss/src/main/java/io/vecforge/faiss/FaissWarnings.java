package io.vecforge.faiss;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Faiss's warnings during one piece of work (a training), each distinct line kept once with how
 * often it came: k-means prints "WARNING clustering N points to K centroids" once per codebook, so
 * a PQ32 training on a small sample would print it 32 times.
 */
public final class FaissWarnings {
    private final Map<String, Integer> counts = new LinkedHashMap<>();

    /** Keeps the line if it is a Faiss warning; false (the caller routes it) otherwise. */
    public synchronized boolean offer(String line) {
        if (!line.startsWith("WARNING")) {
            return false;
        }
        counts.merge(line, 1, Integer::sum);
        return true;
    }

    /** One line per distinct warning, with its count when it came more than once. */
    public synchronized List<String> summary() {
        List<String> lines = new ArrayList<>();
        counts.forEach((line, count) -> lines.add(count > 1 ? line + " (" + count + " times)" : line));
        return lines;
    }
}
