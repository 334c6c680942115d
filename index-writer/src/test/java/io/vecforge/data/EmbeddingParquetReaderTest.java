package io.vecforge.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddingParquetReaderTest {
    private static final String DOUBLE_LIST = "message spark_schema { optional int32 key;"
            + " optional group emb (LIST) { repeated group list { optional double element; } } }";

    @TempDir
    java.nio.file.Path temp;

    private final Configuration conf = ParquetTestFiles.localConf();

    @Test
    void readsDoubleElementsAndInt32Ids() throws IOException {
        Path file = file("doubles.parquet");
        ParquetTestFiles.write(conf, file, DOUBLE_LIST,
                row -> doubles(row.append("key", 7), 0.1, -2.5, 1e10),
                row -> doubles(row.append("key", -3)));

        try (EmbeddingParquetReader reader = EmbeddingParquetReader.open(conf, file, "key", "emb")) {
            assertTrue(reader.next());
            assertEquals(7, reader.id());
            assertArrayEquals(new float[] {0.1f, -2.5f, 1e10f}, reader.vector());
            assertTrue(reader.next());
            assertEquals(-3, reader.id());
            assertArrayEquals(new float[0], reader.vector());
            assertFalse(reader.next());
            assertEquals(2, reader.rowsRead());
        }
    }

    @Test
    void readsLegacyTwoLevelListsAndBareRepeatedColumns() throws IOException {
        Path twoLevel = file("two-level.parquet");
        ParquetTestFiles.write(conf, twoLevel,
                "message m { required int64 id; optional group v (LIST) { repeated float array; } }",
                row -> {
                    Group list = row.append("id", 1L).addGroup("v");
                    list.append("array", 1f);
                    list.append("array", 2f);
                });
        Path bare = file("bare.parquet");
        ParquetTestFiles.write(conf, bare, "message m { required int64 id; repeated double v; }",
                row -> row.append("id", 2L).append("v", 3.0).append("v", 4.0));

        try (EmbeddingParquetReader reader = EmbeddingParquetReader.open(conf, twoLevel, "id", "v")) {
            assertTrue(reader.next());
            assertArrayEquals(new float[] {1, 2}, reader.vector());
        }
        try (EmbeddingParquetReader reader = EmbeddingParquetReader.open(conf, bare, "id", "v")) {
            assertTrue(reader.next());
            assertEquals(2, reader.id());
            assertArrayEquals(new float[] {3, 4}, reader.vector());
        }
    }

    @Test
    void readsADirectoryInNameOrderSkippingHiddenFiles() throws IOException {
        java.nio.file.Path dir = Files.createDirectories(temp.resolve("dir"));
        String schema = "message m { required int64 id; optional group v (LIST) { repeated group list { required float element; } } }";
        ParquetTestFiles.write(conf, new Path(dir.resolve("b.parquet").toUri()), schema,
                row -> floats(row.append("id", 2L), 2f), row -> floats(row.append("id", 3L), 3f));
        ParquetTestFiles.write(conf, new Path(dir.resolve("a.parquet").toUri()), schema,
                row -> floats(row.append("id", 1L), 1f));
        ParquetTestFiles.write(conf, new Path(dir.resolve("_meta.parquet").toUri()), schema,
                row -> floats(row.append("id", 99L), 9f));
        Files.writeString(dir.resolve("_SUCCESS"), "");
        Files.writeString(dir.resolve("notes.txt"), "not parquet");

        try (EmbeddingParquetReader reader = EmbeddingParquetReader.open(conf, new Path(dir.toUri()), "id", "v")) {
            for (long id = 1; id <= 3; id++) {
                assertTrue(reader.next());
                assertEquals(id, reader.id());
                assertArrayEquals(new float[] {id}, reader.vector());
            }
            assertFalse(reader.next());
        }
    }

    @Test
    void namesAMissingColumnAndTheColumnsFound() throws IOException {
        Path file = file("missing.parquet");
        ParquetTestFiles.write(conf, file, DOUBLE_LIST, row -> doubles(row.append("key", 1), 1.0));

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EmbeddingParquetReader.open(conf, file, "id", "emb"));
        assertTrue(e.getMessage().contains("'id' not found"), e.getMessage());
        assertTrue(e.getMessage().contains("[key, emb]"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class,
                () -> EmbeddingParquetReader.open(conf, file, "key", "vector"));
        assertTrue(e.getMessage().contains("'vector' not found"), e.getMessage());
    }

    @Test
    void namesAColumnOfTheWrongTypeAndItsType() throws IOException {
        Path file = file("wrong.parquet");
        ParquetTestFiles.write(conf, file,
                "message m { required binary name (STRING); required int64 id;"
                        + " optional group ints (LIST) { repeated group list { required int32 element; } }"
                        + " optional group doubles (LIST) { repeated group list { required double element; } } }",
                row -> row.append("name", "a").append("id", 1L));

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EmbeddingParquetReader.open(conf, file, "name", "doubles"));
        assertTrue(e.getMessage().contains("id column 'name'"), e.getMessage());
        assertTrue(e.getMessage().contains("required binary name (STRING)"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class,
                () -> EmbeddingParquetReader.open(conf, file, "id", "ints"));
        assertTrue(e.getMessage().contains("vector column 'ints'"), e.getMessage());
        assertTrue(e.getMessage().contains("required int32 element"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class,
                () -> EmbeddingParquetReader.open(conf, file, "id", "name"));
        assertTrue(e.getMessage().contains("vector column 'name'"), e.getMessage());
    }

    @Test
    void nullVectorIdOrElementNamesTheRow() throws IOException {
        Path file = file("nulls.parquet");
        ParquetTestFiles.write(conf, file, DOUBLE_LIST,
                row -> doubles(row.append("key", 1), 1.0),
                row -> row.append("key", 42),
                row -> doubles(row, 2.0),
                row -> row.append("key", 43).addGroup("emb").addGroup("list"));

        try (EmbeddingParquetReader reader = EmbeddingParquetReader.open(conf, file, "key", "emb")) {
            assertTrue(reader.next());
            IllegalStateException e = assertThrows(IllegalStateException.class, reader::next);
            assertTrue(e.getMessage().contains("row 1 of ") && e.getMessage().contains("id 42")
                    && e.getMessage().contains("null vector"), e.getMessage());
            assertThrows(IllegalStateException.class, reader::vector);

            e = assertThrows(IllegalStateException.class, reader::next);
            assertTrue(e.getMessage().contains("row 2 of ") && e.getMessage().contains("null id"),
                    e.getMessage());

            e = assertThrows(IllegalStateException.class, reader::next);
            assertTrue(e.getMessage().contains("id 43") && e.getMessage().contains("null element"),
                    e.getMessage());
            assertFalse(reader.next());
        }
    }

    @Test
    void refusesADirectoryWithoutParquetFilesAndAccessBeforeNext() throws IOException {
        java.nio.file.Path dir = Files.createDirectories(temp.resolve("none"));
        Files.writeString(dir.resolve("_SUCCESS"), "");
        assertThrows(IllegalArgumentException.class,
                () -> EmbeddingParquetReader.open(conf, new Path(dir.toUri()), "id", "vector"));

        Path file = file("one.parquet");
        ParquetTestFiles.write(conf, file, DOUBLE_LIST, row -> doubles(row.append("key", 1), 1.0));
        try (EmbeddingParquetReader reader = EmbeddingParquetReader.open(conf, file, "key", "emb")) {
            assertThrows(IllegalStateException.class, reader::id);
        }
    }

    private Path file(String name) {
        return new Path(temp.resolve(name).toUri());
    }

    private static void doubles(Group row, double... values) {
        Group list = row.addGroup("emb");
        for (double value : values) {
            list.addGroup("list").append("element", value);
        }
    }

    private static void floats(Group row, float... values) {
        Group list = row.addGroup("v");
        for (float value : values) {
            list.addGroup("list").append("element", value);
        }
    }
}
