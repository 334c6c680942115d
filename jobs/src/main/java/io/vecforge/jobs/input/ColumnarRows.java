package io.vecforge.jobs.input;

import io.vecforge.jobs.sample.RowSelection;
import java.util.Iterator;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarArray;
import org.apache.spark.sql.vectorized.ColumnarBatch;

/**
 * The rows of Parquet's column batches, classified here as {@link RowCheck}'s SQL classifies them (row problems
 * in its order, the size, then the values by {@link VectorValues}) and keyed as {@link RowSelection#key} keys
 * them; each accepted vector is copied once, from its column into the array the shuffle takes. The batch's
 * vectors are reused by the reader for the next batch: nothing of a row outlives {@link #next}.
 */
final class ColumnarRows implements CheckedRows {
    private final Iterator<ColumnarBatch> batches;
    private final ColumnarInput.Layout layout;
    private final VectorValues values;
    private final boolean doubles;
    private final int dimension;
    private final long seed;
    private ColumnVector ids;
    private ColumnVector vectors;
    private ColumnVector orders;
    private boolean componentsMayBeNull;
    private int rows;
    private int row;
    private long id;

    ColumnarRows(Iterator<ColumnarBatch> batches, ColumnarInput.Layout layout, boolean normalizes, boolean doubles,
            int dimension, long seed) {
        this.batches = batches;
        this.layout = layout;
        this.values = new VectorValues(normalizes);
        this.doubles = doubles;
        this.dimension = dimension;
        this.seed = seed;
    }

    @Override
    public boolean next() {
        row++;
        while (row >= rows) {
            if (!batches.hasNext()) {
                return false;
            }
            open(batches.next());
        }
        return true;
    }

    private void open(ColumnarBatch batch) {
        ids = batch.column(layout.id());
        vectors = batch.column(layout.vector());
        orders = layout.order() < 0 ? null : batch.column(layout.order());
        componentsMayBeNull = vectors.getChild(0).hasNull();
        rows = batch.numRows();
        row = 0;
    }

    @Override
    public String reason() {
        if (ids.isNullAt(row)) {
            return "null-id";
        }
        id = layout.intIds() ? ids.getInt(row) : ids.getLong(row);
        if (id < 0) {
            return "negative-id";
        }
        if (vectors.isNullAt(row)) {
            return "null-vector";
        }
        if (orders != null && orders.isNullAt(row)) {
            return "null-order";
        }
        ColumnarArray vector = vectors.getArray(row);
        if (vector.numElements() != dimension) {
            return "wrong-dimension";
        }
        return values.check(vector, doubles, dimension, componentsMayBeNull);
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public long order() {
        if (orders == null) {
            return 0;
        }
        return layout.intOrder() ? orders.getInt(row) : orders.getLong(row);
    }

    @Override
    public float[] vector() {
        return values.floats();
    }

    @Override
    public long sampleKey() {
        return RowSelection.keyOf(seed, id);
    }

    @Override
    public long queryKey() {
        return RowSelection.keyOf(seed + 1, id);
    }
}
