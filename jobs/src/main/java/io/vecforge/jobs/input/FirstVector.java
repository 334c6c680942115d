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

/**
 * The size of the input's first non-null vector, read with Parquet's own reader on the driver (the vector
 * column alone, from the first row on): the dimension a build guesses when input.dimension is not set, without a
 * Spark job. The scan checks every row against it.
 */
final class FirstVector {
    private FirstVector() {}

    /** The first non-null vector's size in file order, or 0 when every vector is null. */
    static int dimension(Configuration conf, List<FileStatus> files, String vectorColumn) throws IOException {
        for (FileStatus file : files) {
            HadoopInputFile input = HadoopInputFile.fromStatus(file, conf);
            MessageType schema;
            try (ParquetFileReader footer = ParquetFileReader.open(input)) {
                schema = footer.getFooter().getFileMetaData().getSchema();
            }
            if (!schema.containsField(vectorColumn)) {
                continue; // a file without the column (schemas merged): its rows' vectors are null
            }
            Type column = schema.getType(vectorColumn);
            Configuration projected = new Configuration(conf);
            projected.set(ReadSupport.PARQUET_READ_SCHEMA, new MessageType(schema.getName(), column).toString());
            try (ParquetReader<Group> reader = ParquetReader.builder(new GroupReadSupport(), file.getPath())
                    .withConf(projected).build()) {
                for (Group row = reader.read(); row != null; row = reader.read()) {
                    if (row.getFieldRepetitionCount(vectorColumn) == 0) {
                        continue; // null vector
                    }
                    if (column.isPrimitive()) {
                        return row.getFieldRepetitionCount(vectorColumn); // a bare repeated field
                    }
                    // a LIST group: its one repeated field (three-level list or two-level legacy) holds the elements
                    return row.getGroup(vectorColumn, 0).getFieldRepetitionCount(0);
                }
            }
        }
        return 0;
    }
}
