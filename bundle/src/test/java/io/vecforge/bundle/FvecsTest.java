package io.vecforge.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FvecsTest {
    @TempDir
    Path dir;

    @Test
    void floatsRoundTripInTheStandardLayout() throws IOException {
        int n = 37;
        int d = 5;
        float[] data = new float[n * d];
        for (int i = 0; i < data.length; i++) {
            data[i] = i * 0.25f - 3;
        }
        Path file = dir.resolve("sub/x.fvecs");
        Fvecs.write(file, data, n, d);

        byte[] bytes = Files.readAllBytes(file);
        assertEquals(n * (4 + 4 * d), bytes.length);
        ByteBuffer raw = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(d, raw.getInt(0));
        assertEquals(data[0], raw.getFloat(4));
        assertEquals(d, raw.getInt(4 + 4 * d));
        assertEquals(data[d], raw.getFloat(8 + 4 * d));

        Fvecs.Data read = Fvecs.read(file);
        assertEquals(n, read.n());
        assertEquals(d, read.d());
        assertArrayEquals(data, read.vectors());
    }

    @Test
    void largerThanTheBufferRoundTrips() throws IOException {
        int n = 3_001;
        int d = 130;
        float[] data = new float[n * d];
        java.util.Random random = new java.util.Random(9);
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) random.nextGaussian();
        }
        Path file = dir.resolve("big.fvecs");
        Fvecs.write(file, data, n, d);
        assertArrayEquals(data, Fvecs.read(file).vectors());
    }

    @Test
    void longsRoundTrip() throws IOException {
        int n = 20_000;
        int k = 10;
        long[] ids = new long[n * k];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = (long) i * 1_000_003L - (1L << 40);
        }
        Path file = dir.resolve("gt.lvecs");
        Fvecs.writeLongs(file, ids, n, k);
        assertEquals((long) n * (4 + 8 * k), Files.size(file));
        ByteBuffer head = ByteBuffer.wrap(Files.readAllBytes(file), 0, 12).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(k, head.getInt());
        assertEquals(ids[0], head.getLong());

        Fvecs.LongData read = Fvecs.readLongs(file);
        assertEquals(n, read.n());
        assertEquals(k, read.k());
        assertArrayEquals(ids, read.values());
    }

    @Test
    void writesOnlyTheFirstNRowsAndReadsAnEmptyFile() throws IOException {
        Path file = dir.resolve("empty.fvecs");
        Fvecs.write(file, new float[12], 0, 4);
        Fvecs.Data read = Fvecs.read(file);
        assertEquals(0, read.n());
        assertEquals(0, read.vectors().length);

        Fvecs.write(file, new float[] {1, 2, 3, 4, 5, 6}, 1, 4);
        assertArrayEquals(new float[] {1, 2, 3, 4}, Fvecs.read(file).vectors());
    }

    @Test
    void rejectsInconsistentFilesAndShapes() throws IOException {
        Path file = dir.resolve("bad.fvecs");
        ByteBuffer bad = ByteBuffer.allocate(2 * (4 + 8)).order(ByteOrder.LITTLE_ENDIAN);
        bad.putInt(2).putFloat(1).putFloat(2).putInt(3).putFloat(1).putFloat(2);
        Files.write(file, bad.array());
        IOException e = assertThrows(IOException.class, () -> Fvecs.read(file));
        assertTrue(e.getMessage().contains("row 1 has width 3"), e.getMessage());

        Files.write(file, new byte[] {2, 0, 0, 0, 1});
        assertThrows(IOException.class, () -> Fvecs.read(file));

        assertThrows(IllegalArgumentException.class, () -> Fvecs.write(file, new float[5], 2, 3));
        assertThrows(IllegalArgumentException.class, () -> Fvecs.writeLongs(file, new long[5], 1, 0));
    }
}
