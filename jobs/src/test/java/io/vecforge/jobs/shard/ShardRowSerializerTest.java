package io.vecforge.jobs.shard;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import org.apache.spark.serializer.DeserializationStream;
import org.apache.spark.serializer.SerializationStream;
import org.apache.spark.serializer.SerializerInstance;
import org.junit.jupiter.api.Test;
import scala.Tuple2;
import scala.collection.Iterator;
import scala.reflect.ClassTag$;

class ShardRowSerializerTest {
    private final SerializerInstance serializer = new ShardRowSerializer().newInstance();

    private byte[] write(int rows, int dimension) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        SerializationStream out = serializer.serializeStream(bytes);
        for (int i = 0; i < rows; i++) {
            out.writeKey(new RowKey(Long.MAX_VALUE - i, -i), ClassTag$.MODULE$.apply(RowKey.class));
            out.writeValue(vector(i, dimension), ClassTag$.MODULE$.apply(float[].class));
        }
        out.close();
        return bytes.toByteArray();
    }

    private static float[] vector(int row, int dimension) {
        float[] v = new float[dimension];
        for (int j = 0; j < dimension; j++) {
            v[j] = j == 0 ? Float.MIN_VALUE * row : row * 0.5f - j * 1e30f;
        }
        return v;
    }

    @Test
    void rowsComeBackBitForBitAndTheStreamEndsCleanly() {
        byte[] bytes = write(1_000, 97);
        assertEquals(1_000 * (1 + 16 + 1 + 4 + 97 * 4), bytes.length, "two longs and the raw floats per row");
        DeserializationStream in = serializer.deserializeStream(new ByteArrayInputStream(bytes));
        Iterator<Tuple2<Object, Object>> rows = in.asKeyValueIterator();
        for (int i = 0; i < 1_000; i++) {
            assertTrue(rows.hasNext());
            Tuple2<Object, Object> row = rows.next();
            assertEquals(new RowKey(Long.MAX_VALUE - i, -i), row._1());
            float[] expected = vector(i, 97);
            float[] actual = (float[]) row._2();
            for (int j = 0; j < expected.length; j++) {
                assertEquals(Float.floatToRawIntBits(expected[j]), Float.floatToRawIntBits(actual[j]));
            }
        }
        assertFalse(rows.hasNext());
    }

    @Test
    void vectorsLargerThanTheStreamsBufferGoThroughItInPieces() {
        int dimension = 40_000; // 160,000 bytes: two and a half of the 64 KiB buffers each side keeps
        byte[] bytes = write(3, dimension);
        assertEquals(3 * (1 + 16 + 1 + 4 + dimension * 4), bytes.length);
        // a stream that hands over a few bytes at a time, as a network stream may
        InputStream trickle = new FilterInputStream(new ByteArrayInputStream(bytes)) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return super.read(b, off, Math.min(len, 7));
            }
        };
        Iterator<Tuple2<Object, Object>> rows = serializer.deserializeStream(trickle).asKeyValueIterator();
        for (int i = 0; i < 3; i++) {
            Tuple2<Object, Object> row = rows.next();
            assertEquals(new RowKey(Long.MAX_VALUE - i, -i), row._1());
            float[] expected = vector(i, dimension);
            float[] actual = (float[]) row._2();
            assertEquals(expected.length, actual.length);
            for (int j = 0; j < expected.length; j++) {
                assertEquals(Float.floatToRawIntBits(expected[j]), Float.floatToRawIntBits(actual[j]),
                        "row " + i + ", component " + j);
            }
        }
        assertFalse(rows.hasNext());
    }

    @Test
    void aStreamCutInsideARowIsAnErrorNotAnEnd() {
        byte[] bytes = write(3, 8);
        byte[] cut = Arrays.copyOf(bytes, bytes.length - 5);
        Iterator<Tuple2<Object, Object>> rows = serializer.deserializeStream(new ByteArrayInputStream(cut))
                .asKeyValueIterator();
        rows.next();
        rows.next();
        UncheckedIOException truncated = assertThrows(UncheckedIOException.class, rows::next);
        assertTrue(truncated.getMessage().contains("corrupt shard shuffle stream"), truncated.getMessage());
    }

    @Test
    void onlyRowKeysAndVectorsAreCarried() {
        SerializationStream out = serializer.serializeStream(new ByteArrayOutputStream());
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> out.writeObject("a string", ClassTag$.MODULE$.apply(String.class)));
        assertTrue(refused.getMessage().contains("java.lang.String"), refused.getMessage());
        assertArrayEquals(new byte[0], write(0, 4));
    }
}
