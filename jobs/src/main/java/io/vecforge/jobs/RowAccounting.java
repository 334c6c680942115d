package io.vecforge.jobs;

import java.util.Map;
import java.util.stream.Collectors;

/** The input's rows: how many, the dimension taken, and how many were rejected for each reason. */
record RowAccounting(long inputRows, int dimension, Map<String, Long> rejected) {
    long rejectedRows() {
        return rejected.values().stream().mapToLong(Long::longValue).sum();
    }

    long acceptedRows() {
        return inputRows - rejectedRows();
    }

    String describeRejections(Map<String, java.util.List<String>> samples) {
        return rejected.entrySet().stream()
                .map(e -> e.getKey() + ": " + e.getValue() + " (e.g. ids " + String.join("; ",
                        samples.getOrDefault(e.getKey(), java.util.List.of())) + ")")
                .collect(Collectors.joining(", "));
    }
}
