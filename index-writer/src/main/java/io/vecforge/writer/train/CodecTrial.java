package io.vecforge.writer.train;

import io.vecforge.faiss.FaissIndex;
import io.vecforge.faiss.Metric;
import io.vecforge.faiss.Neighbours;
import io.vecforge.faiss.SearchResult;
import io.vecforge.writer.shard.EmbeddingCursor;
import io.vecforge.writer.shard.ExactNeighbourSearch;
import io.vecforge.writer.shard.InvalidRowException;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * index.factory=auto's last step: codes of the same size ({@link FactoryChooser#choose}'s candidates)
 * each trained on the whole sample by the build's trainer, then measured on the sample itself: of its
 * first {@value #DATABASE_ROWS} + {@value #QUERIES} rows (by place in the sample), {@value #QUERIES}
 * evenly spaced ones are the queries and the others the database, and each candidate's recall@k with
 * every list probed (what its code can reach; the build then picks nprobe) is compared with the exact
 * neighbours among those rows. The best trained index is kept (a tie keeps the earlier candidate); the
 * others are freed at once. The cap bounds the measuring (adds, exact neighbours, full-probe searches)
 * however large the sample.
 */
public final class CodecTrial {
    private static final Logger LOG = LoggerFactory.getLogger(CodecTrial.class);
    static final int QUERIES = 256;
    static final int K = 10;
    static final int DATABASE_ROWS = 65_536;
    private static final int BATCH_ROWS = 4096;
    private static final int SEARCH_BATCH = 16;

    /** Opens the sample again, from its first row. */
    @FunctionalInterface
    public interface SampleSource {
        EmbeddingCursor open() throws IOException;
    }

    /** One candidate's measure: its recall on the sample, and how long it took to train. */
    public record Outcome(String factory, double recall, long trainMillis) implements Serializable {}

    /**
     * The kept index (the caller owns it), its factory, every candidate's outcome in the order tried, the kept
     * candidate's training phases with "codec-trial" added (the time the trial spent beyond them), and how
     * many sample rows were queries and database.
     */
    public record Result(FaissIndex trained, String factory, List<Outcome> outcomes, Map<String, Long> phases,
            Double quantizerFit, int queries, long databaseRows) {}

    private CodecTrial() {}

    public static Result run(Trainer trainer, SampleSource sample, long rows, int dimension, List<String> factories,
            Metric metric) throws IOException {
        if (factories.isEmpty()) {
            throw new IllegalArgumentException("no candidate factories to try");
        }
        long start = System.nanoTime();
        long span = Math.min(rows, DATABASE_ROWS + QUERIES);
        long stride = Math.max(2, span / QUERIES);
        float[] queries = queries(sample, stride, dimension, metric);
        ExactNeighbourSearch exact = new ExactNeighbourSearch(queries, dimension, metric, K);
        Neighbours truth = null;
        List<Outcome> outcomes = new ArrayList<>();
        FaissIndex best = null;
        int bestAt = -1;
        Map<String, Long> bestPhases = Map.of();
        Double bestFit = null;
        long databaseRows = 0;
        try {
            for (String factory : factories) {
                long trainStart = System.nanoTime();
                FaissIndex trained;
                try (EmbeddingCursor cursor = sample.open()) {
                    trained = trainer.train(cursor, rows, dimension, factory, metric);
                }
                long trainMillis = (System.nanoTime() - trainStart) / 1_000_000;
                double recall;
                try (FaissIndex probe = trained.copy()) {
                    if (probe.isIvf()) {
                        probe.setNprobe(probe.nlist());
                    }
                    databaseRows = addDatabase(probe, truth == null ? exact : null, sample, span, stride, dimension,
                            metric);
                    if (truth == null) {
                        truth = exact.result();
                    }
                    recall = searchAll(probe, queries, dimension, metric).recallAgainst(truth);
                } catch (IOException | RuntimeException e) {
                    trained.close();
                    throw e;
                }
                outcomes.add(new Outcome(factory, recall, trainMillis));
                LOG.info("codec trial: {} reaches recall@{} {} on the sample ({} queries; trained in {} ms)", factory,
                        K, String.format(Locale.ROOT, "%.4f", recall), truth.queries(), trainMillis);
                if (best == null || recall > outcomes.get(bestAt).recall()) {
                    if (best != null) {
                        best.close();
                    }
                    best = trained;
                    bestAt = outcomes.size() - 1;
                    bestPhases = new LinkedHashMap<>(trainer.lastPhases());
                    bestFit = trainer.lastQuantizerFit();
                } else {
                    trained.close();
                }
            }
        } catch (IOException | RuntimeException e) {
            if (best != null) {
                best.close();
            }
            throw e;
        }
        long spent = (System.nanoTime() - start) / 1_000_000;
        Map<String, Long> phases = new LinkedHashMap<>(bestPhases);
        phases.put("codec-trial", Math.max(0, spent - bestPhases.values().stream().mapToLong(Long::longValue).sum()));
        LOG.info("codec trial kept {} ({} ms for {} candidates; {} queries over {} sample rows)", factories.get(bestAt),
                spent, factories.size(), truth.queries(), databaseRows);
        return new Result(best, factories.get(bestAt), List.copyOf(outcomes), phases, bestFit, truth.queries(),
                databaseRows);
    }

    /**
     * The k nearest of every query with every list probed, a few queries at a time: Faiss holds each query's
     * whole list ranking (nlist entries) while it searches.
     */
    private static Neighbours searchAll(FaissIndex probe, float[] queries, int dimension, Metric metric) {
        int count = queries.length / dimension;
        Neighbours found = new Neighbours(count, K, metric.smallerIsCloser());
        for (int first = 0; first < count; first += SEARCH_BATCH) {
            int n = Math.min(SEARCH_BATCH, count - first);
            SearchResult hits = probe.search(java.util.Arrays.copyOfRange(queries, first * dimension,
                    (first + n) * dimension), n, K);
            for (int q = 0; q < n; q++) {
                for (int r = 0; r < K; r++) {
                    found.offer(first + q, hits.label(q, r), hits.distance(q, r)); // -1 (no hit) is skipped
                }
            }
        }
        return found;
    }

    /** The sample's rows at positions 0, stride, 2·stride, … (normalised for cosine). */
    private static float[] queries(SampleSource sample, long stride, int dimension, Metric metric) throws IOException {
        List<float[]> picked = new ArrayList<>();
        try (EmbeddingCursor cursor = sample.open()) {
            long ordinal = 0;
            while (cursor.next()) {
                long position = position(cursor, ordinal++);
                if (isQuery(position, stride)) {
                    float[] query = cursor.vector().clone();
                    normalize(metric, cursor, query, 0, dimension);
                    picked.add(query);
                }
            }
        }
        float[] queries = new float[picked.size() * dimension];
        for (int i = 0; i < picked.size(); i++) {
            System.arraycopy(picked.get(i), 0, queries, i * dimension, dimension);
        }
        return queries;
    }

    /**
     * Adds the rows placed before {@code span} that are not queries, by their place in the sample, to {@code
     * index} (and to {@code exact} when given); returns how many.
     */
    private static long addDatabase(FaissIndex index, ExactNeighbourSearch exact, SampleSource sample, long span,
            long stride, int dimension, Metric metric) throws IOException {
        float[] batch = new float[BATCH_ROWS * dimension];
        long[] ids = new long[BATCH_ROWS];
        int filled = 0;
        long added = 0;
        try (EmbeddingCursor cursor = sample.open()) {
            long ordinal = 0;
            while (cursor.next()) {
                long position = position(cursor, ordinal++);
                if (position >= span || isQuery(position, stride)) {
                    continue;
                }
                System.arraycopy(cursor.vector(), 0, batch, filled * dimension, dimension);
                normalize(metric, cursor, batch, filled * dimension, dimension);
                ids[filled++] = position;
                added++;
                if (filled == BATCH_ROWS) {
                    flush(index, exact, batch, ids, filled);
                    filled = 0;
                }
            }
        }
        if (filled > 0) {
            float[] tail = java.util.Arrays.copyOf(batch, filled * dimension);
            flush(index, exact, tail, ids, filled);
        }
        return added;
    }

    private static void flush(FaissIndex index, ExactNeighbourSearch exact, float[] batch, long[] ids, int n) {
        index.addWithIds(batch, ids, n);
        if (exact != null) {
            exact.addBatch(batch, ids, n);
        }
    }

    /** For cosine; a zero vector is refused as the trainer refuses it. */
    private static void normalize(Metric metric, EmbeddingCursor cursor, float[] vectors, int offset, int dimension) {
        if (metric.normalizes() && !Metric.normalize(vectors, offset, dimension)) {
            throw new InvalidRowException(cursor.id(), "zero vector cannot be normalised for cosine");
        }
    }

    private static long position(EmbeddingCursor cursor, long ordinal) {
        long position = cursor.position();
        return position >= 0 ? position : ordinal;
    }

    private static boolean isQuery(long position, long stride) {
        return position % stride == 0 && position / stride < QUERIES;
    }
}
