package io.vecforge.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RowFileTest {
    private static final Configuration CONF = new Configuration();

    @TempDir
    java.nio.file.Path dir;

    @Test
    void rowsComeBackAsWrittenFileByFileInNameOrder() throws IOException {
        Random random = new Random(3);
        List<float[]> written = new ArrayList<>();
        // enough rows that reading crosses blocks, and files of 0, 1 and many rows
        int[] rowsPerFile = {5_000, 0, 1};
        String[] names = {"part-00002-7.rows", "part-00000-1.rows", "part-00001-4.rows"};
        List<Long> ids = new ArrayList<>();
        for (int f : new int[] {1, 2, 0}) {
            try (RowFileWriter writer = RowFileWriter.create(CONF, path(names[f]), 33)) {
                for (int i = 0; i < rowsPerFile[f]; i++) {
                    float[] vector = new float[33];
                    for (int j = 0; j < vector.length; j++) {
                        vector[j] = (float) random.nextGaussian();
                    }
                    long id = random.nextLong();
                    writer.write(id, vector);
                    written.add(vector);
                    ids.add(id);
                }
                assertEquals(rowsPerFile[f], writer.rows());
            }
        }
        Files.writeString(dir.resolve("_SUCCESS"), ""); // not a row file: skipped
        try (RowFileReader reader = RowFileReader.open(CONF, new Path(dir.toUri()))) {
            assertEquals(33, reader.dimension());
            for (int i = 0; i < written.size(); i++) {
                assertTrue(reader.next(), "row " + i);
                assertEquals(ids.get(i), reader.id());
                assertArrayEquals(written.get(i), reader.vector());
            }
            assertFalse(reader.next());
        }
    }

    @Test
    void aTruncatedOrPaddedFileIsRefused() throws IOException {
        Path file = path("one.rows");
        try (RowFileWriter writer = RowFileWriter.create(CONF, file, 4)) {
            writer.write(1, new float[] {1, 2, 3, 4});
            writer.write(2, new float[] {5, 6, 7, 8});
        }
        java.nio.file.Path local = dir.resolve("one.rows");
        Files.delete(dir.resolve(".one.rows.crc")); // else Hadoop's local checksums catch the change first
        long length = Files.size(local);
        try (RandomAccessFile raf = new RandomAccessFile(local.toFile(), "rw")) {
            raf.setLength(length + 24); // a whole row's worth more
        }
        IOException padded = assertThrows(IOException.class, () -> readAll(file));
        assertTrue(padded.getMessage().contains("trailer"), padded.getMessage());
        try (RandomAccessFile raf = new RandomAccessFile(local.toFile(), "rw")) {
            raf.setLength(length - 24); // one row and the trailer cut
        }
        assertThrows(IOException.class, () -> readAll(file));
    }

    @Test
    void filesOfAnotherDimensionOrFormatAreRefused() throws IOException {
        try (RowFileWriter writer = RowFileWriter.create(CONF, path("a.rows"), 4)) {
            writer.write(1, new float[4]);
        }
        try (RowFileWriter writer = RowFileWriter.create(CONF, path("b.rows"), 5)) {
            writer.write(2, new float[5]);
        }
        IOException mixed = assertThrows(IOException.class, () -> readAll(new Path(dir.toUri())));
        assertTrue(mixed.getMessage().contains("5 components, expected 4"), mixed.getMessage());
        Files.write(dir.resolve("c.rows"), new byte[64]);
        IOException foreign = assertThrows(IOException.class, () -> readAll(path("c.rows")));
        assertTrue(foreign.getMessage().contains("not a vecforge row file"), foreign.getMessage());
        try (RowFileWriter writer = RowFileWriter.create(CONF, path("d.rows"), 4)) {
            assertThrows(IllegalArgumentException.class, () -> writer.write(3, new float[3]));
        }
        assertThrows(IllegalArgumentException.class, () -> RowFileWriter.create(CONF, path("e.rows"), 0));
    }

    @Test
    void aDirectoryWithoutRowFilesHasNoRows() throws IOException {
        try (RowFileReader reader = RowFileReader.open(CONF, new Path(dir.toUri()))) {
            assertEquals(0, reader.dimension());
            assertFalse(reader.next());
        }
    }

    private long readAll(Path path) throws IOException {
        long rows = 0;
        try (RowFileReader reader = RowFileReader.open(CONF, path)) {
            while (reader.next()) {
                rows++;
            }
        }
        return rows;
    }

    private Path path(String name) {
        return new Path(dir.resolve(name).toUri());
    }
}
