package io.vecforge.validate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.vecforge.Failure;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The outcome of validating one bundle version. */
public final class ValidationReport {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public String bundle;
    public String indexName;
    public String version;
    public long rows;
    public int shards;
    public Double recall;
    public double minRecall;
    public int nprobe;
    /** Recall and latency at increasing nprobe, when the validation swept them (the build does). */
    public List<NprobeSweep.Point> nprobeCurve;
    /** Vectors per inverted list, summed over shards (they share the quantizer); for the report, not the JSON. */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public long[] listSizes;
    public final List<String> checksPassed = new ArrayList<>();
    public final List<Problem> problems = new ArrayList<>();
    /** What was noticed without failing: the build report absent from a serving copy, say. */
    public final List<String> notes = new ArrayList<>();

    /**
     * Faiss's imbalance factor of the inverted lists (nlist * sum(size^2) / ntotal^2; 1 is perfectly even),
     * or null when the lists were not measured (no queries) or are empty.
     */
    public Double listImbalance() {
        if (listSizes == null || listSizes.length == 0) {
            return null;
        }
        double total = 0;
        double squares = 0;
        for (long size : listSizes) {
            total += size;
            squares += (double) size * size;
        }
        return total == 0 ? null : listSizes.length * squares / (total * total);
    }

    public boolean isOk() {
        return problems.isEmpty();
    }

    /** 0 when valid, else the code of the first failure found (checks run in a fixed order). */
    public int exitCode() {
        return problems.isEmpty() ? 0 : problems.get(0).failure().exitCode();
    }

    public boolean has(Failure failure) {
        return problems.stream().anyMatch(p -> p.failure() == failure);
    }

    void fail(Failure failure, String file, String message) {
        problems.add(new Problem(failure, file, message));
    }

    void passed(String check) {
        checksPassed.add(check);
    }

    public String toJson() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("bundle", bundle);
        out.put("indexName", indexName);
        out.put("version", version);
        out.put("ok", isOk());
        out.put("exitCode", exitCode());
        out.put("rows", rows);
        out.put("shards", shards);
        out.put("recall", recall);
        out.put("minRecall", minRecall);
        out.put("nprobe", nprobe);
        out.put("checksPassed", checksPassed);
        out.put("notes", notes);
        List<Map<String, Object>> listed = new ArrayList<>();
        for (Problem problem : problems) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("class", problem.failure().name());
            entry.put("exitCode", problem.failure().exitCode());
            entry.put("file", problem.file());
            entry.put("message", problem.message());
            listed.add(entry);
        }
        out.put("problems", listed);
        try {
            return JSON.writeValueAsString(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A few lines for people. */
    public String summary() {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "bundle   %s%nindex    %s, version %s%nrows     %,d in %d shards%n",
                bundle, indexName, version, rows, shards));
        out.append(recall == null ? "recall   not measured\n"
                : String.format(Locale.ROOT, "recall   %.4f at nprobe %d (minimum %.4f)%n", recall, nprobe, minRecall));
        out.append("checks   ").append(String.join(", ", checksPassed)).append('\n');
        notes.forEach(note -> out.append("note     ").append(note).append('\n'));
        if (isOk()) {
            out.append("result   VALID\n");
        } else {
            out.append(String.format(Locale.ROOT, "result   INVALID (exit %d), %d problem(s):%n", exitCode(),
                    problems.size()));
            problems.forEach(p -> out.append("  - ").append(p).append('\n'));
        }
        return out.toString();
    }
}
