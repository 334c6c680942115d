package io.vecforge.jobs.input;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.NamedExpression;
import org.apache.spark.sql.execution.ColumnarToRowExec;
import org.apache.spark.sql.execution.FileSourceScanExec;
import org.apache.spark.sql.execution.InputAdapter;
import org.apache.spark.sql.execution.ProjectExec;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.WholeStageCodegenExec;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import scala.collection.JavaConverters;

/**
 * The input's id, vector and order columns as Parquet's vectorized reader gives them, in batches: what the scan
 * reads where Spark can (a plain file scan that supports columnar reads), skipping the projection to rows that
 * costs a copy of every vector and the code generation. Absent where the plan is anything else (the reader off,
 * a source other than files): the scan then reads Spark SQL's rows.
 */
record ColumnarInput(RDD<ColumnarBatch> batches, Layout layout) {
    /** Where the columns are in each batch, and which of them Parquet gives as ints (widened as the SQL casts do). */
    record Layout(int id, boolean intIds, int vector, int order, boolean intOrder) implements Serializable {}

    static Optional<ColumnarInput> of(InputTable input) {
        List<Column> columns = new ArrayList<>(List.of(column(input.idColumns().get(0)), column(input.vectorColumn())));
        if (input.orderColumn() != null) {
            columns.add(column(input.orderColumn()));
        }
        SparkPlan plan = input.raw().select(columns.toArray(Column[]::new)).queryExecution().executedPlan();
        Optional<FileSourceScanExec> scan = fileScan(plan);
        if (scan.isEmpty() || !scan.get().supportsColumnar()) {
            return Optional.empty();
        }
        List<Attribute> read = JavaConverters.seqAsJavaList(scan.get().output());
        List<Attribute> wanted = JavaConverters.seqAsJavaList(plan.output());
        int[] at = new int[wanted.size()];
        for (int i = 0; i < at.length; i++) {
            at[i] = indexOf(read, wanted.get(i));
            if (at[i] < 0) {
                return Optional.empty();
            }
        }
        boolean intIds = wanted.get(0).dataType().equals(DataTypes.IntegerType);
        int order = at.length > 2 ? at[2] : -1;
        boolean intOrder = order >= 0 && readsAsInt(wanted.get(2).dataType());
        return Optional.of(new ColumnarInput(scan.get().executeColumnar(),
                new Layout(at[0], intIds, at[1], order, intOrder)));
    }

    private static Column column(String name) {
        return org.apache.spark.sql.functions.col("`" + name + "`");
    }

    /** Dates are days in an int column, as unix_date gives them; timestamps are µs in a long one. */
    private static boolean readsAsInt(DataType type) {
        return type.equals(DataTypes.IntegerType) || type.equals(DataTypes.DateType);
    }

    private static int indexOf(List<Attribute> attributes, Attribute wanted) {
        for (int i = 0; i < attributes.size(); i++) {
            if (attributes.get(i).exprId().equals(wanted.exprId())) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The file scan under a plan that only passes its columns through (code generation's wrappers, the switch to
     * rows, a projection of bare columns); empty for any other plan.
     */
    private static Optional<FileSourceScanExec> fileScan(SparkPlan plan) {
        if (plan instanceof FileSourceScanExec scan) {
            return Optional.of(scan);
        }
        boolean passesThrough = plan instanceof WholeStageCodegenExec || plan instanceof InputAdapter
                || plan instanceof ColumnarToRowExec
                || plan instanceof ProjectExec project && JavaConverters.seqAsJavaList(project.projectList()).stream()
                        .allMatch(ColumnarInput::bareColumn);
        if (!passesThrough || plan.children().size() != 1) {
            return Optional.empty();
        }
        return fileScan(plan.children().head());
    }

    private static boolean bareColumn(NamedExpression expression) {
        return expression instanceof Attribute;
    }
}
