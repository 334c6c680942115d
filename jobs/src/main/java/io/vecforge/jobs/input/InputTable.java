package io.vecforge.jobs.input;

import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The opened input: every original column, its row count (from the files' footers), its data files, which
 * columns hold ids, vectors and the row order, and the vectors' size as the footers count it (0: they cannot
 * tell, {@link InputFooters#vectorSize}).
 */
public record InputTable(Dataset<Row> raw, long rows, List<FileStatus> files, List<String> idColumns,
        boolean externalIds, String vectorColumn, String orderColumn, int footerVectorSize) {

    /**
     * The dimension to check the rows against when none is configured: the vectors' size as the footers count
     * it, else the first non-null vector's ({@link #firstVectorSize}); 0 when neither tells. A guess either way:
     * the scan finds rows of other sizes.
     */
    public int guessedDimension(Configuration conf) {
        return footerVectorSize > 0 ? footerVectorSize : firstVectorSize(conf);
    }

    /**
     * The size of the first non-null vector in file order, read without a Spark job; 0 when there is none or it
     * cannot be read so.
     */
    public int firstVectorSize(Configuration conf) {
        return FirstVector.dimension(conf, files, vectorColumn);
    }
}
