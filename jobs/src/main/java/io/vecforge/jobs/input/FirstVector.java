package io.vecforge.jobs.input;

import java.io.IOException;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The size of the input's first non-null vector, read with Parquet's own reader on the driver (the vector
 * column alone, from the first row on): the dimension a build guesses when input.dimension is not set, without a
 * Spark job. The scan checks every row against it.
 */
final class FirstVector {
    private static final Logger LOG = LoggerFactory.getLogger(FirstVector.class);

    private FirstVector() {}

    /**
     * The first non-null vector's size in file order, or 0 when every vector is null or the files cannot be read
     * this way (the build then counts dimensions with Spark, which names any problem).
     */
    static int dimension(Configuration conf, List<FileStatus> files, String vectorColumn) {
        try {
            for (FileStatus file : files) {
                int size = firstSize(conf, file, vectorColumn);
                if (size >= 0) {
                    return size;
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot read the first vector's size ({}): Spark counts the dimensions instead", e.toString());
        }
        return 0;
    }

    /** The size of the file's first non-null vector, or -1 when it has none. */
    private static int firstSize(Configuration conf, FileStatus file, String vectorColumn) throws IOException {
        MessageType schema;
        try (ParquetFileReader footer = ParquetFileReader.open(HadoopInputFile.fromStatus(file, conf))) {
            schema = footer.getFooter().getFileMetaData().getSchema();
        }
        // Spark resolves column names without regard to case by default
        Type column = schema.getFields().stream().filter(field -> field.getName().equalsIgnoreCase(vectorColumn))
                .findFirst().orElse(null);
        if (column == null) {
            return -1; // a file without the column (schemas merged): its rows' vectors are null
        }
        Configuration projected = new Configuration(conf);
        projected.set(ReadSupport.PARQUET_READ_SCHEMA, new MessageType(schema.getName(), column).toString());
        try (ParquetReader<Group> reader = ParquetReader.builder(new GroupReadSupport(), file.getPath())
                .withConf(projected).build()) {
            for (Group row = reader.read(); row != null; row = reader.read()) {
                if (row.getFieldRepetitionCount(0) == 0) {
                    continue; // null vector
                }
                if (column.isPrimitive()) {
                    return row.getFieldRepetitionCount(0); // a bare repeated field
                }
                // a LIST group: its one repeated field (three-level list or two-level legacy) holds the elements
                return row.getGroup(0, 0).getFieldRepetitionCount(0);
            }
        }
        return -1;
    }
}
