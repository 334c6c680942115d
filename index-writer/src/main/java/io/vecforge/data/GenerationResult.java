package io.vecforge.data;

/**
 * What {@link EmbeddingParquetWriter#generate} wrote.
 *
 * @param bytesWritten total size of the Parquet part files (not the .fvecs copy)
 */
public record GenerationResult(long rows, int dim, int files, long seed, long bytesWritten) {}
