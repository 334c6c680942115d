package io.vecforge.jobs.input;

import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The opened input: every original column, its row count (from the files' footers), and which columns hold ids,
 * vectors and the row order.
 */
public record InputTable(Dataset<Row> raw, long rows, List<String> idColumns, boolean externalIds, String vectorColumn,
        String orderColumn) {}
