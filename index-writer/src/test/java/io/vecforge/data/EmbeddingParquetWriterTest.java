package io.vecforge.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecforge.bundle.Fvecs;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddingParquetWriterTest {
    @TempDir
    java.nio.file.Path temp;

    private final Configuration conf = ParquetTestFiles.localConf();

    @Test
    void roundTripsThroughTheReaderSplitIntoContiguousParts() throws IOException {
        long rows = 1_001;
        int dim = 12;
        Path dir = new Path(temp.resolve("out").toUri());
        java.nio.file.Path fvecs = temp.resolve("copy/base.fvecs");

        GenerationResult result = EmbeddingParquetWriter.generate(
                conf, dir, rows, dim, 3, 11, "id", "vector", fvecs);

        FileSystem fs = dir.getFileSystem(conf);
        assertEquals(0, fs.getFileStatus(new Path(dir, "_SUCCESS")).getLen());
        long[] expectedStarts = {0, 334, 668};
        long[] expectedCounts = {334, 334, 333};
        long bytes = 0;
        for (int i = 0; i < 3; i++) {
            Path part = new Path(dir, String.format("part-%05d.parquet", i));
            bytes += fs.getFileStatus(part).getLen();
            try (EmbeddingParquetReader reader = EmbeddingParquetReader.open(conf, part, "id", "vector")) {
                List<Long> ids = readIds(reader);
                assertEquals(expectedCounts[i], ids.size(), part.toString());
                assertEquals(expectedStarts[i], ids.get(0));
            }
        }
        assertEquals(new GenerationResult(rows, dim, 3, 11, bytes), result);

        SyntheticEmbeddings embeddings = new SyntheticEmbeddings(11, dim);
        try (EmbeddingParquetReader reader = EmbeddingParquetReader.open(conf, dir, "id", "vector")) {
            for (long id = 0; id < rows; id++) {
                assertTrue(reader.next());
                assertEquals(id, reader.id());
                assertArrayEquals(embeddings.vector(id), reader.vector(), "id " + id);
            }
            assertFalse(reader.next());
            assertEquals(rows, reader.rowsRead());
        }

        Fvecs.Data copy = Fvecs.read(fvecs);
        assertEquals(rows, copy.n());
        assertEquals(dim, copy.d());
        for (int id = 0; id < rows; id++) {
            assertArrayEquals(embeddings.vector(id),
                    java.util.Arrays.copyOfRange(copy.vectors(), id * dim, (id + 1) * dim));
        }
    }

    @Test
    void writesTheSchemaSparkReadsAsLongAndArrayOfFloatWithSnappy() throws IOException {
        Path dir = new Path(temp.resolve("schema").toUri());
        EmbeddingParquetWriter.generate(conf, dir, 10, 4, 1, 1, "doc_id", "emb");

        try (ParquetFileReader reader = ParquetFileReader.open(
                HadoopInputFile.fromPath(new Path(dir, "part-00000.parquet"), conf))) {
            ParquetMetadata footer = reader.getFooter();
            assertEquals(MessageTypeParser.parseMessageType("message embedding { required int64 doc_id;"
                            + " optional group emb (LIST) { repeated group list { required float element; } } }"),
                    footer.getFileMetaData().getSchema());
            assertEquals(CompressionCodecName.SNAPPY,
                    footer.getBlocks().get(0).getColumns().get(1).getCodec());
        }
    }

    @Test
    void moreFilesThanRowsLeavesEmptyReadableParts() throws IOException {
        Path dir = new Path(temp.resolve("sparse").toUri());
        EmbeddingParquetWriter.generate(conf, dir, 2, 3, 4, 5, "id", "vector");

        try (EmbeddingParquetReader reader = EmbeddingParquetReader.open(conf, dir, "id", "vector")) {
            assertEquals(List.of(0L, 1L), readIds(reader));
        }
        FileStatus[] parts = dir.getFileSystem(conf).globStatus(new Path(dir, "part-*.parquet"));
        assertEquals(4, parts.length);
    }

    @Test
    void refusesANonEmptyDirectory() throws IOException {
        java.nio.file.Path existing = Files.createDirectories(temp.resolve("busy"));
        Files.writeString(existing.resolve("keep.txt"), "x");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EmbeddingParquetWriter.generate(conf, new Path(existing.toUri()), 10, 4, 2, 1, "id", "vector"));
        assertTrue(e.getMessage().contains("not empty"), e.getMessage());
        assertEquals(List.of(existing.resolve("keep.txt")), Files.list(existing).toList());

        Path empty = new Path(Files.createDirectories(temp.resolve("empty")).toUri());
        assertEquals(10, EmbeddingParquetWriter.generate(conf, empty, 10, 4, 2, 1, "id", "vector").rows());
    }

    @Test
    void rejectsBadArguments() {
        Path dir = new Path(temp.resolve("bad").toUri());
        assertThrows(IllegalArgumentException.class,
                () -> EmbeddingParquetWriter.generate(conf, dir, -1, 4, 1, 1, "id", "vector"));
        assertThrows(IllegalArgumentException.class,
                () -> EmbeddingParquetWriter.generate(conf, dir, 10, 0, 1, 1, "id", "vector"));
        assertThrows(IllegalArgumentException.class,
                () -> EmbeddingParquetWriter.generate(conf, dir, 10, 4, 0, 1, "id", "vector"));
        assertThrows(IllegalArgumentException.class,
                () -> EmbeddingParquetWriter.generate(conf, dir, 10, 4, 1, 1, "v", "v"));
    }

    private static List<Long> readIds(EmbeddingParquetReader reader) throws IOException {
        List<Long> ids = new ArrayList<>();
        while (reader.next()) {
            ids.add(reader.id());
        }
        return ids;
    }
}
