package io.vecforge.jobs.input;

import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The opened input: every original column, its row count (from the files' footers), its data files, and which
 * columns hold ids, vectors and the row order.
 */
public record InputTable(Dataset<Row> raw, long rows, List<FileStatus> files, List<String> idColumns,
        boolean externalIds, String vectorColumn, String orderColumn) {

    /**
     * The size of the first non-null vector in file order, read without a Spark job; 0 when there is none or it
     * cannot be read so.
     */
    public int firstVectorSize(Configuration conf) {
        return FirstVector.dimension(conf, files, vectorColumn);
    }
}
