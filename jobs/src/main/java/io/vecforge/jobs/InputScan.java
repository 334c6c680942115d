package io.vecforge.jobs;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.util.List;
import java.util.Map;
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
 * what the pass writes is the candidates: accepted rows whose selection key ({@link HoldoutSelection})
 * falls below a threshold set from the input's row count with a margin, so they hold the sample and
 * the queries whenever the margin holds. The sample and the queries are then picked from the
 * candidates (a few thousand rows more than needed), never from the input again.
 */
final class InputScan {
    private static final Logger LOG = LoggerFactory.getLogger(InputScan.class);

    /**
     * What to look for: rows of {@code dimension} (configured, or the first row's, to be confirmed by
     * the counts), and selection thresholds for this many sample rows and queries among inputRows.
     */
    record Plan(int dimension, boolean dimensionConfigured, long inputRows, long sampleRows, int queries, long seed) {}

    /**
     * @param accounting the rows' accounting, exactly as RowCheck#count gives it
     * @param candidates where the candidates were written; null when they cannot serve (external ids, or
     *                   the dimension turned out other than the plan's)
     */
    record Result(RowAccounting accounting, Path candidates, Plan plan) {
        /** The sample key the candidates were selected below. */
        long sampleBelow() {
            return HoldoutSelection.threshold(plan.sampleRows(), plan.inputRows());
        }

        /** The query key the candidates were selected below. */
        long queryBelow() {
            return HoldoutSelection.threshold(plan.queries(), plan.inputRows());
        }
    }

    private InputScan() {}

    static Result run(InputTable input, RowCheck check, Plan plan, Path candidates) {
        boolean selectHere = !input.externalIds();
        Column id = selectHere ? col("`" + input.idColumns().get(0) + "`").cast("long") : lit(0L);
        Column vector = col("`" + input.vectorColumn() + "`").cast("array<float>");
        Dataset<Row> checked = check.checked(id.as("id"), vector.as("vector"));
        List<Column> counts = RowCheck.counts(plan.dimension());
        Observation observation = new Observation("vecforge-input-check");
        Dataset<Row> observed = checked.observe(observation, counts.get(0),
                counts.subList(1, counts.size()).toArray(Column[]::new));
        Column wanted = lit(selectHere);
        if (selectHere) {
            Result thresholds = new Result(null, null, plan);
            Column sample = HoldoutSelection.key(plan.seed(), col("id")).lt(thresholds.sampleBelow());
            Column queries = HoldoutSelection.key(plan.seed() + 1, col("id")).lt(thresholds.queryBelow());
            wanted = RowCheck.acceptedAt(plan.dimension()).and(sample.or(queries));
        }
        LOG.info("scanning the input: row checks, and candidates for {} sample rows and {} queries", plan.sampleRows(),
                plan.queries());
        observed.where(wanted).select("id", "vector").write().parquet(candidates.toString());
        Map<String, Object> observedCounts;
        try {
            observedCounts = observation.getAsJava();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the input's row counts", e);
        }
        RowAccounting accounting = RowCheck.fromCounts(observedCounts, plan.dimension());
        if (!plan.dimensionConfigured() && accounting.rejected().containsKey("wrong-dimension")) {
            // The first row's dimension is only a guess: the rows disagree, so count them by size as before.
            LOG.info("input.dimension is not set and rows differ in dimension: counting by size");
            accounting = check.count(0);
        }
        boolean usable = selectHere && accounting.dimension() == plan.dimension();
        return new Result(accounting, usable ? candidates : null, plan);
    }
}
