package io.vecforge.jobs.input;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.format.converter.ParquetMetadataConverter;
import org.apache.parquet.hadoop.Footer;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.datasources.parquet.ParquetFileFormat$;
import org.apache.spark.sql.types.StructType;
import scala.Option;
import scala.collection.JavaConverters;

/**
 * Every input file's footer, read on the driver by a few threads: the merged schema (Spark's own merge of
 * the footers, as {@code mergeSchema} does) and the row count, without the Spark jobs that inferring the
 * schema and counting the rows would run. A corrupt file or files of conflicting schemas fail here, before
 * any work is spent.
 */
final class InputFooters {
    private static final int MAX_THREADS = 16;

    /**
     * What the footers say: the schema Spark reads the files with, how many rows they hold, and the size every
     * vector of the column has on average where none of its values is null (0 when they cannot tell).
     */
    record Summary(StructType schema, long rows, int vectorSize) {}

    private InputFooters() {}

    /** Reads the footers of {@code files} (Spark's data files: non-empty, not hidden) and merges them. */
    static Summary read(SparkSession spark, Configuration conf, List<FileStatus> files, String vectorColumn)
            throws IOException {
        List<Footer> footers = footers(conf, files);
        long rows = 0;
        for (Footer footer : footers) {
            for (BlockMetaData block : footer.getParquetMetadata().getBlocks()) {
                rows = Math.addExact(rows, block.getRowCount());
            }
        }
        Option<StructType> schema = ParquetFileFormat$.MODULE$.readSchema(
                JavaConverters.asScalaBuffer(footers).toSeq(), spark);
        if (schema.isEmpty()) {
            throw new IOException("no schema in the footers of " + files.size() + " files");
        }
        return new Summary(schema.get(), rows, vectorSize(footers, vectorColumn));
    }

    /**
     * The vectors' size as the column chunks count it: in every row group the column (matched in any case, as
     * Spark matches it) is one leaf with no null value (no null or empty vector, no null component: their
     * statistics say so) and the same whole number of values a row; 0 otherwise. An average, not a check: the
     * scan still checks every row's size against it.
     */
    static int vectorSize(List<Footer> footers, String vectorColumn) {
        long size = 0;
        for (Footer footer : footers) {
            for (BlockMetaData block : footer.getParquetMetadata().getBlocks()) {
                List<ColumnChunkMetaData> chunks = block.getColumns().stream()
                        .filter(chunk -> chunk.getPath().size() > 0
                                && chunk.getPath().toArray()[0].equalsIgnoreCase(vectorColumn))
                        .toList();
                long rows = block.getRowCount();
                if (rows == 0) {
                    continue;
                }
                if (chunks.size() != 1) {
                    return 0;
                }
                Statistics<?> statistics = chunks.get(0).getStatistics();
                long values = chunks.get(0).getValueCount();
                if (statistics == null || !statistics.isNumNullsSet() || statistics.getNumNulls() != 0
                        || values % rows != 0 || (size != 0 && values / rows != size)) {
                    return 0;
                }
                size = values / rows;
            }
        }
        return size > 0 && size <= Integer.MAX_VALUE ? (int) size : 0;
    }

    private static List<Footer> footers(Configuration conf, List<FileStatus> files) throws IOException {
        if (files.size() == 1) {
            return List.of(footer(conf, files.get(0)));
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(MAX_THREADS, files.size()), runnable -> {
            Thread thread = new Thread(runnable, "vecforge-input-footers");
            thread.setDaemon(true);
            return thread;
        });
        try {
            List<Future<Footer>> pending = new ArrayList<>(files.size());
            for (FileStatus file : files) {
                pending.add(pool.submit(() -> footer(conf, file)));
            }
            List<Footer> footers = new ArrayList<>(files.size());
            for (Future<Footer> future : pending) {
                footers.add(future.get());
            }
            return footers;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while reading the input's footers", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof UncheckedIOException unchecked) {
                throw unchecked.getCause();
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IOException(cause);
        } finally {
            pool.shutdownNow();
        }
    }

    private static Footer footer(Configuration conf, FileStatus file) throws IOException {
        try {
            ParquetMetadata metadata = ParquetFileReader.readFooter(HadoopInputFile.fromStatus(file, conf),
                    ParquetMetadataConverter.NO_FILTER);
            return new Footer(file.getPath(), metadata);
        } catch (IOException | RuntimeException e) {
            throw new IOException("cannot read the footer of " + file.getPath() + ": " + e.getMessage(), e);
        }
    }
}
