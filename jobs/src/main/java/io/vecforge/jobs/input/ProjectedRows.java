package io.vecforge.jobs.input;

import java.util.Iterator;
import org.apache.spark.sql.catalyst.InternalRow;

/**
 * The rows of {@link RowCheck#rowChecked}'s projection: row problem and size, then id, vector (as the input has
 * it), order, sample key and query key, all computed by Spark SQL; the values are checked here on Spark's own
 * array.
 */
final class ProjectedRows implements CheckedRows {
    private final Iterator<InternalRow> rows;
    private final VectorValues values;
    private final boolean doubles;
    private final int dimension;
    private InternalRow row;

    ProjectedRows(Iterator<InternalRow> rows, boolean normalizes, boolean doubles, int dimension) {
        this.rows = rows;
        this.values = new VectorValues(normalizes);
        this.doubles = doubles;
        this.dimension = dimension;
    }

    @Override
    public boolean next() {
        row = rows.hasNext() ? rows.next() : null;
        return row != null;
    }

    @Override
    public String reason() {
        if (!row.isNullAt(0)) {
            return row.getUTF8String(0).toString();
        }
        if (row.getInt(1) != dimension) {
            return "wrong-dimension";
        }
        return values.check(row.getArray(3), doubles, dimension);
    }

    @Override
    public long id() {
        return row.getLong(2);
    }

    @Override
    public long order() {
        return row.getLong(4);
    }

    @Override
    public float[] vector() {
        return values.floats();
    }

    @Override
    public long sampleKey() {
        return row.getLong(5);
    }

    @Override
    public long queryKey() {
        return row.getLong(6);
    }
}
