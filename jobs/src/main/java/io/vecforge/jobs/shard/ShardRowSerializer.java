package io.vecforge.jobs.shard;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.spark.serializer.DeserializationStream;
import org.apache.spark.serializer.SerializationStream;
import org.apache.spark.serializer.Serializer;
import org.apache.spark.serializer.SerializerInstance;
import scala.reflect.ClassTag;

/**
 * The shard shuffle's serializer: a row is its {@link RowKey} (two longs) and its vector (a length and the
 * raw floats, copied in bulk). Java serialization, Spark's default for RDDs, writes a float[] one float at a
 * time through an object stream and a record key by reflection; Kryo cannot take records. Only the shard
 * stage's shuffle uses this (its streams, never single objects).
 */
public final class ShardRowSerializer extends Serializer implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final byte KEY = 1;
    private static final byte VECTOR = 2;
    private static final int MAX_DIMENSION = 1 << 20;
    private static final int BUFFER_BYTES = 1 << 16;

    @Override
    public SerializerInstance newInstance() {
        return new Instance();
    }

    private static final class Instance extends SerializerInstance {
        @Override
        public <T> ByteBuffer serialize(T value, ClassTag<T> tag) {
            throw new UnsupportedOperationException("the shard shuffle serializer only streams rows");
        }

        @Override
        public <T> T deserialize(ByteBuffer bytes, ClassTag<T> tag) {
            throw new UnsupportedOperationException("the shard shuffle serializer only streams rows");
        }

        @Override
        public <T> T deserialize(ByteBuffer bytes, ClassLoader loader, ClassTag<T> tag) {
            throw new UnsupportedOperationException("the shard shuffle serializer only streams rows");
        }

        @Override
        public SerializationStream serializeStream(OutputStream out) {
            return new Writer(out);
        }

        @Override
        public DeserializationStream deserializeStream(InputStream in) {
            return new Reader(in);
        }
    }

    /**
     * Entries go straight into one buffer (big-endian longs and length, little-endian floats copied in bulk), so
     * a vector is copied once on its way to Spark's stream, not into a scratch array and then a buffered stream.
     */
    private static final class Writer extends SerializationStream {
        private final OutputStream out;
        private final byte[] buffer = new byte[BUFFER_BYTES];
        private final ByteBuffer bigEndian = ByteBuffer.wrap(buffer);
        private final ByteBuffer littleEndian = ByteBuffer.wrap(buffer).order(ByteOrder.LITTLE_ENDIAN);
        private int filled;

        Writer(OutputStream out) {
            this.out = out;
        }

        @Override
        public <T> SerializationStream writeObject(T value, ClassTag<T> tag) {
            try {
                if (value instanceof RowKey key) {
                    room(1 + 2 * Long.BYTES);
                    buffer[filled] = KEY;
                    bigEndian.putLong(filled + 1, key.id());
                    bigEndian.putLong(filled + 1 + Long.BYTES, key.order());
                    filled += 1 + 2 * Long.BYTES;
                } else if (value instanceof float[] vector) {
                    room(1 + Integer.BYTES);
                    buffer[filled] = VECTOR;
                    bigEndian.putInt(filled + 1, vector.length);
                    filled += 1 + Integer.BYTES;
                    for (int at = 0; at < vector.length; ) {
                        if (filled + Float.BYTES > buffer.length) {
                            drain();
                        }
                        int count = Math.min(vector.length - at, (buffer.length - filled) / Float.BYTES);
                        littleEndian.position(filled);
                        littleEndian.asFloatBuffer().put(vector, at, count);
                        filled += count * Float.BYTES;
                        at += count;
                    }
                } else {
                    throw new IllegalArgumentException("the shard shuffle carries row keys and float vectors, not "
                            + (value == null ? "null" : value.getClass().getName()));
                }
                return this;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Makes room for {@code bytes} (at most the buffer) by handing the buffer on when it lacks them. */
        private void room(int bytes) throws IOException {
            if (filled + bytes > buffer.length) {
                drain();
            }
        }

        private void drain() throws IOException {
            out.write(buffer, 0, filled);
            filled = 0;
        }

        @Override
        public void flush() {
            try {
                drain();
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() {
            try {
                drain();
                out.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * Reads what {@link Writer} wrote through one buffer of its own (Spark's stream is not buffered when shuffle
     * compression is off: each small read was a system call), a vector's floats copied from it in bulk.
     */
    private static final class Reader extends DeserializationStream {
        private final InputStream in;
        private final byte[] buffer = new byte[BUFFER_BYTES];
        private final ByteBuffer bigEndian = ByteBuffer.wrap(buffer);
        private final ByteBuffer littleEndian = ByteBuffer.wrap(buffer).order(ByteOrder.LITTLE_ENDIAN);
        private int position;
        private int limit;

        Reader(InputStream in) {
            this.in = in;
        }

        /** Spark ends its iterators on EOFException: the end of the stream, before an entry's first byte. */
        @Override
        @SuppressWarnings("unchecked")
        public <T> T readObject(ClassTag<T> tag) {
            boolean more;
            try {
                more = available(1);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (!more) {
                throw sneaky(new EOFException("end of the shard shuffle stream"));
            }
            try {
                int kind = buffer[position++];
                if (kind == KEY) {
                    require(2 * Long.BYTES);
                    RowKey key = new RowKey(bigEndian.getLong(position), bigEndian.getLong(position + Long.BYTES));
                    position += 2 * Long.BYTES;
                    return (T) key;
                }
                if (kind != VECTOR) {
                    throw new IOException("corrupt shard shuffle stream: unknown entry kind " + kind);
                }
                require(Integer.BYTES);
                int length = bigEndian.getInt(position);
                position += Integer.BYTES;
                if (length < 0 || length > MAX_DIMENSION) {
                    throw new IOException("corrupt shard shuffle stream: a vector of " + length + " components");
                }
                float[] vector = new float[length];
                for (int at = 0; at < length; ) {
                    require(Float.BYTES);
                    int count = Math.min(length - at, (limit - position) / Float.BYTES);
                    littleEndian.position(position);
                    littleEndian.asFloatBuffer().get(vector, at, count);
                    position += count * Float.BYTES;
                    at += count;
                }
                return (T) vector;
            } catch (IOException e) { // an end inside a row is a truncated stream, not its end
                throw new UncheckedIOException("corrupt shard shuffle stream", e);
            }
        }

        /** Whether at least {@code bytes} (at most the buffer) are buffered, reading more as needed. */
        private boolean available(int bytes) throws IOException {
            if (limit - position >= bytes) {
                return true;
            }
            System.arraycopy(buffer, position, buffer, 0, limit - position);
            limit -= position;
            position = 0;
            while (limit < bytes) {
                int read = in.read(buffer, limit, buffer.length - limit);
                if (read < 0) {
                    return false;
                }
                limit += read;
            }
            return true;
        }

        private void require(int bytes) throws IOException {
            if (!available(bytes)) {
                throw new EOFException("the shard shuffle stream ends inside a row");
            }
        }

        @Override
        public void close() {
            try {
                in.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Rethrows the checked EOFException as is: Spark's NextIterator catches exactly that type. */
    @SuppressWarnings("unchecked")
    private static <E extends Throwable> RuntimeException sneaky(Throwable e) throws E {
        throw (E) e;
    }
}
