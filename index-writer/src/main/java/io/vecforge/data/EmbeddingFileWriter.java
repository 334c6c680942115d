package io.vecforge.data;

import java.io.IOException;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopOutputFile;

/**
 * One Parquet file of (id int64, vector list&lt;float&gt;) rows, written row by row: a work file, so
 * uncompressed and without dictionaries (float components barely repeat). Spark reads it back as
 * (id bigint, vector array&lt;float&gt;).
 */
public final class EmbeddingFileWriter implements AutoCloseable {
    private final ParquetWriter<EmbeddingWriteSupport.Row> writer;
    private long rows;

    private EmbeddingFileWriter(ParquetWriter<EmbeddingWriteSupport.Row> writer) {
        this.writer = writer;
    }

    /** Creates {@code file}, which must not exist. */
    public static EmbeddingFileWriter create(Configuration conf, Path file) throws IOException {
        return new EmbeddingFileWriter(EmbeddingWriteSupport
                .builder(HadoopOutputFile.fromPath(file, conf), EmbeddingSchema.forWriting("id", "vector"), Map.of())
                .withConf(conf)
                .withCompressionCodec(CompressionCodecName.UNCOMPRESSED)
                .withDictionaryEncoding(false)
                .build());
    }

    public void write(long id, float[] vector) throws IOException {
        writer.write(new EmbeddingWriteSupport.Row(id, vector, null));
        rows++;
    }

    public long rows() {
        return rows;
    }

    @Override
    public void close() throws IOException {
        writer.close();
    }
}
