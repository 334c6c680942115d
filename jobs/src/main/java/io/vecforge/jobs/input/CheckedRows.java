package io.vecforge.jobs.input;

/**
 * One scan task's rows, each classified by {@link RowCheck}'s reasons in their order of precedence: what
 * {@link ShuffledScan} counts, selects candidates from and shuffles. Two sources give the same classification:
 * the rows of Spark SQL's projection ({@link ProjectedRows}) and Parquet's column batches ({@link ColumnarRows}).
 */
interface CheckedRows {
    /** Moves to the next row; false when there is none. */
    boolean next();

    /** The current row's reason, or null when it is accepted: then {@link #id}, {@link #order} and {@link #vector} hold. */
    String reason();

    long id();

    /** The order column as a long (timestamps in µs, dates in days), 0 when none is configured. */
    long order();

    /** The accepted vector as Faiss takes it (floats), a new array the caller keeps. */
    float[] vector();

    /** The row's training-sample key ({@link io.vecforge.jobs.sample.RowSelection#key} under the build's seed). */
    long sampleKey();

    /** The row's query key (under the seed after the build's). */
    long queryKey();
}
