package io.vecforge.data;

import java.io.IOException;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/** Small hand-made Parquet files, written with parquet's example API. */
final class ParquetTestFiles {
    private ParquetTestFiles() {}

    static Configuration localConf() {
        Configuration conf = new Configuration();
        conf.set("fs.defaultFS", "file:///");
        return conf;
    }

    /** Writes one record per filler; each fills a fresh group of {@code schema}. */
    @SafeVarargs
    static void write(Configuration conf, Path file, String schema, Consumer<Group>... rows)
            throws IOException {
        MessageType type = MessageTypeParser.parseMessageType(schema);
        SimpleGroupFactory groups = new SimpleGroupFactory(type);
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(HadoopOutputFile.fromPath(file, conf))
                .withConf(conf)
                .withType(type)
                .build()) {
            for (Consumer<Group> row : rows) {
                Group group = groups.newGroup();
                row.accept(group);
                writer.write(group);
            }
        }
    }
}
