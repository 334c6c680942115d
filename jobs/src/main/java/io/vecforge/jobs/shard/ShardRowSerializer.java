package io.vecforge.jobs.shard;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
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

    private static final class Writer extends SerializationStream {
        private final DataOutputStream out;
        private byte[] scratch = new byte[0];

        Writer(OutputStream out) {
            this.out = new DataOutputStream(new BufferedOutputStream(out, BUFFER_BYTES));
        }

        @Override
        public <T> SerializationStream writeObject(T value, ClassTag<T> tag) {
            try {
                if (value instanceof RowKey key) {
                    out.writeByte(KEY);
                    out.writeLong(key.id());
                    out.writeLong(key.order());
                } else if (value instanceof float[] vector) {
                    out.writeByte(VECTOR);
                    out.writeInt(vector.length);
                    int bytes = vector.length * Float.BYTES;
                    if (scratch.length < bytes) {
                        scratch = new byte[bytes];
                    }
                    ByteBuffer.wrap(scratch).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(vector);
                    out.write(scratch, 0, bytes);
                } else {
                    throw new IllegalArgumentException("the shard shuffle carries row keys and float vectors, not "
                            + (value == null ? "null" : value.getClass().getName()));
                }
                return this;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void flush() {
            try {
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() {
            try {
                out.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static final class Reader extends DeserializationStream {
        private final DataInputStream in;
        private byte[] scratch = new byte[0];

        Reader(InputStream in) {
            // Spark's stream is not buffered when shuffle compression is off: each small read was a system call
            this.in = new DataInputStream(new BufferedInputStream(in, BUFFER_BYTES));
        }

        /** Spark ends its iterators on EOFException: the end of the stream, before an entry's first byte. */
        @Override
        @SuppressWarnings("unchecked")
        public <T> T readObject(ClassTag<T> tag) {
            int kind;
            try {
                kind = in.read();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (kind < 0) {
                throw sneaky(new EOFException("end of the shard shuffle stream"));
            }
            try {
                if (kind == KEY) {
                    return (T) new RowKey(in.readLong(), in.readLong());
                }
                if (kind != VECTOR) {
                    throw new IOException("corrupt shard shuffle stream: unknown entry kind " + kind);
                }
                int length = in.readInt();
                if (length < 0 || length > MAX_DIMENSION) {
                    throw new IOException("corrupt shard shuffle stream: a vector of " + length + " components");
                }
                int bytes = length * Float.BYTES;
                if (scratch.length < bytes) {
                    scratch = new byte[bytes];
                }
                in.readFully(scratch, 0, bytes);
                float[] vector = new float[length];
                ByteBuffer.wrap(scratch, 0, bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(vector);
                return (T) vector;
            } catch (IOException e) { // an end inside a row is a truncated stream, not its end
                throw new UncheckedIOException("corrupt shard shuffle stream", e);
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
