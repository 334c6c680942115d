package io.vecforge.jobs.input;

import io.vecforge.jobs.BuildFailedException;
import java.util.Map;
import java.util.stream.Collectors;

/** The input's rows: how many, the dimension taken, and how many were rejected for each reason. */
public record RowAccounting(long inputRows, int dimension, Map<String, Long> rejected) {
    public long rejectedRows() {
        return rejected.values().stream().mapToLong(Long::longValue).sum();
    }

    public long acceptedRows() {
        return inputRows - rejectedRows();
    }

    /** Fails the build when more rows were rejected than input.max-rejected-fraction allows, or all were. */
    public void checkTolerance(double maxRejectedFraction, Map<String, java.util.List<String>> samples, String quarantine) {
        double fraction = rejectedRows() / (double) inputRows;
        String allowed = java.math.BigDecimal.valueOf(maxRejectedFraction).stripTrailingZeros().toPlainString();
        if (acceptedRows() == 0 || fraction > maxRejectedFraction) {
            throw BuildFailedException.of(io.vecforge.Failure.BAD_ROWS, String.format(java.util.Locale.ROOT,
                    "%,d of %,d rows rejected (%.4f%%), above input.max-rejected-fraction=%s: %s; rejected rows are"
                            + " in %s", rejectedRows(), inputRows, 100 * fraction, allowed,
                    describeRejections(samples), quarantine));
        }
        org.slf4j.LoggerFactory.getLogger(RowAccounting.class).warn(
                "{} of {} rows rejected, within input.max-rejected-fraction={}: {}", rejectedRows(), inputRows,
                allowed, rejected);
    }

    String describeRejections(Map<String, java.util.List<String>> samples) {
        return rejected.entrySet().stream()
                .map(e -> e.getKey() + ": " + e.getValue() + " (e.g. ids " + String.join("; ",
                        samples.getOrDefault(e.getKey(), java.util.List.of())) + ")")
                .collect(Collectors.joining(", "));
    }
}
