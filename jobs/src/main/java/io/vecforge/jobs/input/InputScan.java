package io.vecforge.jobs.input;

import static org.apache.spark.sql.functions.col;

import io.vecforge.jobs.sample.RowSelection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Observation;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One pass over the input for the row checks, the training sample and the hold-out queries (they were
 * three passes, each re-reading the Parquet). The checks' counts are observed metrics of the pass;
 * what the pass writes is the candidates: accepted rows whose selection key (({@link io.vecforge.jobs.sample.RowSelection}))
 * falls below a threshold set from the input's row count with a margin, so they hold the sample and
 * the queries whenever the margin holds. The sample and the queries are then picked from the
 * candidates (a few thousand rows more than needed), never from the input again.
 */
public final class InputScan {
    private static final Logger LOG = LoggerFactory.getLogger(InputScan.class);
    private static final long OBSERVATION_WAIT_SECONDS = 120;
    /**
     * Parquet's writer option for dictionary encoding, off for work files of vectors: float components
     * barely repeat, and trying a dictionary for each column chunk cost more than the rest of the write.
     */
    public static final String PARQUET_DICTIONARY = "parquet.enable.dictionary";

    /**
     * What to look for: rows of {@code dimension} (configured, or the first row's, to be confirmed by
     * the counts), and selection thresholds for this many sample rows and queries among inputRows.
     */
    public record Plan(int dimension, boolean dimensionConfigured, long inputRows, long sampleRows, int queries, long seed) {}

    /**
     * @param accounting the rows' accounting, exactly as RowCheck#count gives it
     * @param candidates where the candidates were written; null when they cannot serve (external ids, or
     *                   the dimension turned out other than the plan's)
     */
    public record Result(RowAccounting accounting, Path candidates, Plan plan) {
        /** The sample key the candidates were selected below. */
        public long sampleBelow() {
            return RowSelection.threshold(plan.sampleRows(), plan.inputRows());
        }

        /** The query key the candidates were selected below. */
        public long queryBelow() {
            return RowSelection.threshold(plan.queries(), plan.inputRows());
        }
    }

    private InputScan() {}

    public static Result run(InputTable input, RowCheck check, Plan plan, Path candidates) {
        if (input.externalIds()) {
            // Sample and queries are chosen by the dense ids mapped later, so there is nothing to select here.
            return new Result(check.count(plan.dimensionConfigured() ? plan.dimension() : 0), null, plan);
        }
        Column id = col("`" + input.idColumns().get(0) + "`").cast("long");
        Column vector = col("`" + input.vectorColumn() + "`").cast("array<float>");
        Dataset<Row> checked = check.checked(id.as("id"), vector.as("vector"));
        List<Column> counts = RowCheck.counts(plan.dimension());
        Observation observation = new Observation("vecforge-input-check");
        Dataset<Row> observed = checked.observe(observation, counts.get(0),
                counts.subList(1, counts.size()).toArray(Column[]::new));
        Result thresholds = new Result(null, null, plan);
        Column sample = RowSelection.key(plan.seed(), col("id")).lt(thresholds.sampleBelow());
        Column queries = RowSelection.key(plan.seed() + 1, col("id")).lt(thresholds.queryBelow());
        LOG.info("scanning the input: row checks, and candidates for {} sample rows and {} queries", plan.sampleRows(),
                plan.queries());
        // The filter must stay a real predicate: one Spark folds to false would prune the observation away.
        observed.where(RowCheck.acceptedAt(plan.dimension()).and(sample.or(queries)))
                .select("id", "vector").write().option(PARQUET_DICTIONARY, "false").parquet(candidates.toString());
        Map<String, Object> observedCounts = observedCounts(observation);
        RowAccounting accounting = observedCounts != null ? RowCheck.fromCounts(observedCounts, plan.dimension())
                : check.count(plan.dimensionConfigured() ? plan.dimension() : 0);
        if (observedCounts != null && !plan.dimensionConfigured()
                && accounting.rejected().containsKey("wrong-dimension")) {
            // The first row's dimension is only a guess: the rows disagree, so count them by size as before.
            LOG.info("input.dimension is not set and rows differ in dimension: counting by size");
            accounting = check.count(0);
        }
        boolean usable = accounting.dimension() == plan.dimension();
        return new Result(accounting, usable ? candidates : null, plan);
    }

    /**
     * The counts Spark observed during the write that just finished; null (the caller counts in a pass of
     * its own) if they do not arrive: Observation.get has no timeout and would block the build forever.
     */
    private static Map<String, Object> observedCounts(Observation observation) {
        ExecutorService waiter = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "vecforge-observed-counts");
            thread.setDaemon(true);
            return thread;
        });
        try {
            return waiter.submit(observation::getAsJava).get(OBSERVATION_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException | ExecutionException e) {
            LOG.warn("the input scan's row counts did not arrive ({}): counting in a pass of its own", e.toString());
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the input's row counts", e);
        } finally {
            waiter.shutdownNow();
        }
    }
}
