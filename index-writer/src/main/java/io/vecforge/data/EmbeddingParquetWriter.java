package io.vecforge.data;

import io.vecforge.bundle.Fvecs;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.hadoop.CodecFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.schema.MessageType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a data set of {@link SyntheticEmbeddings} as Parquet part files the way Spark lays one
 * out: {@code part-00000.parquet}, {@code part-00001.parquet}, ..., then an empty
 * {@code _SUCCESS}. Spark 3.5 reads the files as {@code <id>: long, <vector>: array<float>}.
 */
public final class EmbeddingParquetWriter {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddingParquetWriter.class);
    /** Beyond this, five-digit part names would no longer sort in id order. */
    static final int MAX_FILES = 100_000;
    private static final int CANCEL_CHECK_MASK = 1023;

    private EmbeddingParquetWriter() {}

    public static GenerationResult generate(Configuration conf, Path dir, long rows, int dim,
            int files, long seed, String idColumn, String vectorColumn) throws IOException {
        return generate(conf, dir, rows, dim, files, seed, idColumn, vectorColumn, null);
    }

    /**
     * Writes rows {@code 0 .. rows-1}, split into {@code files} contiguous id ranges (the first
     * {@code rows % files} files get one row more), one file per range, written in parallel.
     *
     * @param fvecsCopy if not null, a local file that additionally receives every vector in id
     *     order in .fvecs format
     * @throws IllegalArgumentException if {@code dir} exists and is not an empty directory
     */
    public static GenerationResult generate(Configuration conf, Path dir, long rows, int dim,
            int files, long seed, String idColumn, String vectorColumn,
            java.nio.file.Path fvecsCopy) throws IOException {
        return generate(conf, dir, rows, dim, files, seed, idColumn, vectorColumn, fvecsCopy,
                Math.min(SyntheticEmbeddings.DEFAULT_INTRINSIC_DIM, dim));
    }

    /**
     * As above, with the clusters and their spread in {@code intrinsicDim} dimensions (the default 16 or
     * {@code dim}, whichever is smaller), projected to {@code dim}.
     */
    public static GenerationResult generate(Configuration conf, Path dir, long rows, int dim,
            int files, long seed, String idColumn, String vectorColumn,
            java.nio.file.Path fvecsCopy, int intrinsicDim) throws IOException {
        if (rows < 0 || dim <= 0 || files <= 0 || files > MAX_FILES) {
            throw new IllegalArgumentException("need rows >= 0, dim > 0 and 1 <= files <= " + MAX_FILES
                    + ", got rows=" + rows + ", dim=" + dim + ", files=" + files);
        }
        MessageType schema = EmbeddingSchema.forWriting(idColumn, vectorColumn);
        FileSystem fs = dir.getFileSystem(conf);
        createEmptyDirectory(fs, dir);

        long started = System.nanoTime();
        SyntheticEmbeddings embeddings = new SyntheticEmbeddings(seed, dim, SyntheticEmbeddings.DEFAULT_CLUSTERS,
                intrinsicDim);
        Job job = new Job(conf, dir, schema, compressionCodec(conf), dim, (id, vector) -> {
            embeddings.fill(id, vector, 0);
            return new EmbeddingWriteSupport.Row(id, vector, null);
        }, Map.of("vecforge.synthetic.seed", Long.toString(seed), "vecforge.synthetic.dim", Integer.toString(dim),
                "vecforge.synthetic.intrinsic-dim", Integer.toString(intrinsicDim)));
        long bytes;
        FileChannel fvecs = fvecsCopy == null ? null : Fvecs.openForWrite(fvecsCopy);
        try {
            bytes = job.writeParts(rows, files, fvecs);
        } finally {
            if (fvecs != null) {
                fvecs.close();
            }
        }
        fs.create(new Path(dir, "_SUCCESS"), false).close();
        LOG.info("Wrote {} rows x {} dims to {} Parquet files in {} ({} bytes, {}) in {} ms", rows, dim,
                files, dir, bytes, job.codec, (System.nanoTime() - started) / 1_000_000);
        return new GenerationResult(rows, dim, files, seed, bytes);
    }

    /**
     * Writes {@code rows} rows of the {@link SyntheticDelta} against the {@code baseRows} rows that
     * {@link #generate} writes with the same seed and dimension: (id, vector, op) with op {@code upsert}
     * or {@code delete} (a delete's vector is null), split into {@code files} files.
     */
    public static GenerationResult generateDelta(Configuration conf, Path dir, long baseRows, long rows, int dim,
            int files, long seed, String idColumn, String vectorColumn, String opColumn) throws IOException {
        if (rows < 0 || dim <= 0 || files <= 0 || files > MAX_FILES) {
            throw new IllegalArgumentException("need rows >= 0, dim > 0 and 1 <= files <= " + MAX_FILES
                    + ", got rows=" + rows + ", dim=" + dim + ", files=" + files);
        }
        SyntheticDelta delta = new SyntheticDelta(new SyntheticEmbeddings(seed, dim), baseRows, rows);
        MessageType schema = EmbeddingSchema.forWritingDelta(idColumn, vectorColumn, opColumn);
        FileSystem fs = dir.getFileSystem(conf);
        createEmptyDirectory(fs, dir);
        long started = System.nanoTime();
        Job job = new Job(conf, dir, schema, compressionCodec(conf), dim, (row, vector) -> {
            if (!delta.isUpsert(row)) {
                return new EmbeddingWriteSupport.Row(delta.id(row), null, "delete");
            }
            delta.fill(row, vector);
            return new EmbeddingWriteSupport.Row(delta.id(row), vector, "upsert");
        }, Map.of("vecforge.synthetic.seed", Long.toString(seed), "vecforge.synthetic.dim", Integer.toString(dim),
                "vecforge.synthetic.delta-of", Long.toString(baseRows)));
        long bytes = job.writeParts(rows, files, null);
        fs.create(new Path(dir, "_SUCCESS"), false).close();
        LOG.info("Wrote a delta of {} rows x {} dims against {} rows to {} Parquet files in {} ({} bytes) in {} ms",
                rows, dim, baseRows, files, dir, bytes, (System.nanoTime() - started) / 1_000_000);
        return new GenerationResult(rows, dim, files, seed, bytes);
    }

    /** The row written at a position of the data set; its vector may be written into the buffer given. */
    private interface RowSource {
        EmbeddingWriteSupport.Row row(long position, float[] buffer);
    }

    static String partName(int index) {
        return String.format("part-%05d.parquet", index);
    }

    private static void createEmptyDirectory(FileSystem fs, Path dir) throws IOException {
        if (fs.exists(dir)) {
            FileStatus status = fs.getFileStatus(dir);
            if (!status.isDirectory()) {
                throw new IllegalArgumentException("output path " + dir + " exists and is not a directory");
            }
            FileStatus[] children = fs.listStatus(dir);
            if (children.length > 0) {
                throw new IllegalArgumentException("output directory " + dir + " already exists and is not empty"
                        + " (it holds " + children[0].getPath().getName()
                        + (children.length > 1 ? " and " + (children.length - 1) + " more" : "") + ")");
            }
        } else if (!fs.mkdirs(dir)) {
            throw new IOException("could not create output directory " + dir);
        }
    }

    /** SNAPPY when it compresses and decompresses here (snappy-java ships its native code), else none. */
    static CompressionCodecName compressionCodec(Configuration conf) {
        CodecFactory codecs = new CodecFactory(conf, 64 * 1024);
        try {
            byte[] sample = new byte[4096];
            Arrays.fill(sample, 1024, 4096, (byte) 7);
            BytesInput compressed = codecs.getCompressor(CompressionCodecName.SNAPPY)
                    .compress(BytesInput.from(sample));
            byte[] restored = codecs.getDecompressor(CompressionCodecName.SNAPPY)
                    .decompress(BytesInput.from(compressed.toByteArray()), sample.length).toByteArray();
            if (Arrays.equals(sample, restored)) {
                return CompressionCodecName.SNAPPY;
            }
            LOG.warn("Snappy round trip changed the data; writing uncompressed Parquet");
        } catch (IOException | RuntimeException | LinkageError e) {
            LOG.warn("Snappy is not usable here ({}); writing uncompressed Parquet", e.toString());
        } finally {
            codecs.release();
        }
        return CompressionCodecName.UNCOMPRESSED;
    }

    private record Job(Configuration conf, Path dir, MessageType schema, CompressionCodecName codec, int dim,
            RowSource source, Map<String, String> metadata) {

        /** Writes every part, in parallel; returns their total size. */
        long writeParts(long rows, int files, FileChannel fvecs) throws IOException {
            int threads = Math.min(files, Runtime.getRuntime().availableProcessors());
            AtomicInteger threadNumber = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(threads, task -> {
                Thread thread = new Thread(task, "vecforge-generate-" + threadNumber.incrementAndGet());
                thread.setDaemon(true);
                return thread;
            });
            AtomicBoolean cancelled = new AtomicBoolean();
            try {
                List<Future<Long>> parts = new ArrayList<>(files);
                long base = rows / files;
                long extra = rows % files;
                for (int i = 0; i < files; i++) {
                    Path file = new Path(dir, partName(i));
                    long first = i * base + Math.min(i, extra);
                    long count = base + (i < extra ? 1 : 0);
                    parts.add(pool.submit(() -> writePart(file, first, count, fvecs, cancelled)));
                }
                long bytes = 0;
                for (Future<Long> part : parts) {
                    bytes += await(part);
                }
                return bytes;
            } catch (IOException | RuntimeException | Error e) {
                cancelled.set(true);
                pool.shutdownNow();
                throw e;
            } finally {
                pool.shutdown();
                awaitTermination(pool);
            }
        }

        private long writePart(Path file, long first, long count, FileChannel fvecs,
                AtomicBoolean cancelled) throws IOException {
            float[] vector = new float[dim];
            try (ParquetWriter<EmbeddingWriteSupport.Row> writer = EmbeddingWriteSupport
                            .builder(HadoopOutputFile.fromPath(file, conf), schema, metadata)
                            .withConf(conf)
                            .withCompressionCodec(codec)
                            .withDictionaryEncoding(false)
                            .build();
                    Fvecs.RowWriter copy =
                            fvecs == null ? null : new Fvecs.RowWriter(fvecs, first, dim, Float.BYTES)) {
                for (long id = first; id < first + count; id++) {
                    if (((id - first) & CANCEL_CHECK_MASK) == 0 && cancelled.get()) {
                        throw new InterruptedIOException("generation cancelled while writing " + file);
                    }
                    writer.write(source.row(id, vector));
                    if (copy != null) {
                        copy.addFloats(vector, 0);
                    }
                }
            }
            return file.getFileSystem(conf).getFileStatus(file).getLen();
        }

        private static long await(Future<Long> part) throws IOException {
            try {
                return part.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while generating embeddings");
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof IOException io) {
                    throw io;
                }
                if (cause instanceof RuntimeException runtime) {
                    throw runtime;
                }
                if (cause instanceof Error error) {
                    throw error;
                }
                throw new IOException(cause);
            }
        }

        private static void awaitTermination(ExecutorService pool) {
            try {
                while (!pool.awaitTermination(1, TimeUnit.MINUTES)) {
                    LOG.info("Waiting for generator threads to stop");
                }
            } catch (InterruptedException e) {
                pool.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
    }
}
