package io.vecforge.bundle;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The .fvecs format (each row: int32 little-endian d, then d float32 little-endian) and its
 * int64 analogue for ground-truth ids (each row: int32 little-endian k, then k int64
 * little-endian).
 */
public final class Fvecs {
    private static final int BUFFER_BYTES = 1 << 20;

    private Fvecs() {}

    public record Data(int n, int d, float[] vectors) {}

    public record LongData(int n, int k, long[] values) {}

    public static void write(Path file, float[] data, int n, int d) throws IOException {
        checkShape(data.length, n, d);
        writeRows(file, n, d, Float.BYTES, (writer, i) -> writer.addFloats(data, i * d));
    }

    public static void writeLongs(Path file, long[] data, int n, int k) throws IOException {
        checkShape(data.length, n, k);
        writeRows(file, n, k, Long.BYTES, (writer, i) -> writer.addLongs(data, i * k));
    }

    public static Data read(Path file) throws IOException {
        return readRows(file, Float.BYTES, (n, d) -> {
            float[] vectors = new float[n * d];
            return new Target<>(new Data(n, d, vectors), (row, i) -> row.asFloatBuffer().get(vectors, i * d, d));
        });
    }

    public static LongData readLongs(Path file) throws IOException {
        return readRows(file, Long.BYTES, (n, k) -> {
            long[] values = new long[n * k];
            return new Target<>(new LongData(n, k, values), (row, i) -> row.asLongBuffer().get(values, i * k, k));
        });
    }

    private interface RowSource {
        void write(RowWriter writer, int row) throws IOException;
    }

    /** Where rows are read to: the result, and how one row lands in it. */
    private record Target<T>(T result, java.util.function.ObjIntConsumer<ByteBuffer> row) {}

    private static void writeRows(Path file, int n, int d, int elementBytes, RowSource rows) throws IOException {
        try (FileChannel channel = openForWrite(file);
                RowWriter writer = new RowWriter(channel, 0, d, elementBytes)) {
            for (int i = 0; i < n; i++) {
                rows.write(writer, i);
            }
        }
    }

    private static <T> T readRows(Path file, int elementBytes,
            java.util.function.BiFunction<Integer, Integer, Target<T>> allocate) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            RowReader reader = new RowReader(file, channel, elementBytes);
            Target<T> target = allocate.apply(reader.n, reader.d);
            for (int i = 0; i < reader.n; i++) {
                target.row().accept(reader.next(), i);
            }
            return target.result();
        }
    }

    /** Bytes one row of width {@code d} and element size {@code elementBytes} takes. */
    static long rowBytes(int d, int elementBytes) {
        return Integer.BYTES + (long) d * elementBytes;
    }

    public static FileChannel openForWrite(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        return FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
    }

    private static void checkShape(int length, int n, int d) {
        if (n < 0 || d <= 0) {
            throw new IllegalArgumentException("need n >= 0 and d > 0, got n=" + n + ", d=" + d);
        }
        if ((long) n * d > length) {
            throw new IllegalArgumentException(
                    "array holds " + length + " values, fewer than n * d = " + (long) n * d);
        }
    }

    /**
     * Writes consecutive rows starting at row {@code firstRow} with positional writes, so several
     * writers may fill disjoint row ranges of one channel concurrently. Not thread-safe itself.
     */
    public static final class RowWriter implements Closeable {
        private final FileChannel channel;
        private final int d;
        private final ByteBuffer buffer;
        private long position;

        public RowWriter(FileChannel channel, long firstRow, int d, int elementBytes) {
            long rowBytes = rowBytes(d, elementBytes);
            this.channel = channel;
            this.d = d;
            this.position = firstRow * rowBytes;
            int capacity = (int) Math.max(rowBytes, BUFFER_BYTES - BUFFER_BYTES % rowBytes);
            this.buffer = ByteBuffer.allocateDirect(capacity).order(ByteOrder.LITTLE_ENDIAN);
        }

        public void addFloats(float[] values, int offset) throws IOException {
            makeRoom(Float.BYTES);
            buffer.putInt(d);
            buffer.asFloatBuffer().put(values, offset, d);
            buffer.position(buffer.position() + d * Float.BYTES);
        }

        public void addLongs(long[] values, int offset) throws IOException {
            makeRoom(Long.BYTES);
            buffer.putInt(d);
            buffer.asLongBuffer().put(values, offset, d);
            buffer.position(buffer.position() + d * Long.BYTES);
        }

        private void makeRoom(int elementBytes) throws IOException {
            if (buffer.remaining() < rowBytes(d, elementBytes)) {
                flush();
            }
        }

        void flush() throws IOException {
            buffer.flip();
            while (buffer.hasRemaining()) {
                position += channel.write(buffer, position);
            }
            buffer.clear();
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }

    /** Reads rows of a fixed width, checking every row's width prefix. */
    private static final class RowReader {
        final int n;
        final int d;
        private final Path file;
        private final FileChannel channel;
        private final int elementBytes;
        private final long size;
        private final ByteBuffer buffer;
        private long fileOffset;
        private int row;

        RowReader(Path file, FileChannel channel, int elementBytes) throws IOException {
            this.file = file;
            this.channel = channel;
            this.elementBytes = elementBytes;
            this.size = channel.size();
            if (size == 0) {
                n = 0;
                d = 0;
                buffer = ByteBuffer.allocate(0);
                return;
            }
            ByteBuffer head = ByteBuffer.allocate(Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            readFully(head, 0);
            d = head.getInt(0);
            if (d <= 0) {
                throw new IOException(file + ": first row's width is " + d + ", not positive");
            }
            long rowBytes = rowBytes(d, elementBytes);
            if (size % rowBytes != 0) {
                throw new IOException(file + ": size " + size + " is not a multiple of the row size "
                        + rowBytes + " for width " + d);
            }
            long rows = size / rowBytes;
            if (rows * d > Integer.MAX_VALUE - 8) {
                throw new IOException(file + ": " + rows + " rows of width " + d
                        + " do not fit in one Java array");
            }
            n = (int) rows;
            int capacity = (int) Math.max(rowBytes, BUFFER_BYTES - BUFFER_BYTES % rowBytes);
            buffer = ByteBuffer.allocateDirect(capacity).order(ByteOrder.LITTLE_ENDIAN);
            buffer.limit(0);
        }

        /** The next row's elements, as a little-endian buffer positioned at its first element. */
        ByteBuffer next() throws IOException {
            int payload = d * elementBytes;
            if (buffer.remaining() < Integer.BYTES + payload) {
                buffer.compact();
                buffer.limit(buffer.position() + (int) Math.min(buffer.remaining(), size - fileOffset));
                fileOffset = readFully(buffer, fileOffset);
                buffer.flip();
            }
            int width = buffer.getInt();
            if (width != d) {
                throw new IOException(file + ": row " + row + " has width " + width + ", expected " + d);
            }
            ByteBuffer elements = buffer.slice(buffer.position(), payload).order(ByteOrder.LITTLE_ENDIAN);
            buffer.position(buffer.position() + payload);
            row++;
            return elements;
        }

        private long readFully(ByteBuffer target, long position) throws IOException {
            while (target.hasRemaining()) {
                int read = channel.read(target, position);
                if (read < 0) {
                    throw new IOException(file + ": unexpected end of file at byte " + position);
                }
                position += read;
            }
            return position;
        }
    }
}
