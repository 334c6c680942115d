package io.vecforge.data;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/** Writes one {@link RowFile}: rows buffered and written in blocks, the trailer on close. */
public final class RowFileWriter implements AutoCloseable {
    private static final int BUFFER_BYTES = 1 << 16;

    private final Path file;
    private final OutputStream out;
    private final int dimension;
    private final ByteBuffer buffer;
    private long rows;
    private boolean closed;

    private RowFileWriter(Path file, OutputStream out, int dimension) throws IOException {
        this.file = file;
        this.out = out;
        this.dimension = dimension;
        this.buffer = ByteBuffer.allocate(Math.max(BUFFER_BYTES, RowFile.rowBytes(dimension)))
                .order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer header = RowFile.header(dimension);
        out.write(header.array(), 0, header.limit());
    }

    /** Creates {@code file}, which must not exist, for rows of {@code dimension} components. */
    public static RowFileWriter create(Configuration conf, Path file, int dimension) throws IOException {
        if (dimension <= 0) {
            throw new IllegalArgumentException("a row file needs a positive dimension, not " + dimension);
        }
        return new RowFileWriter(file, file.getFileSystem(conf).create(file, false), dimension);
    }

    public void write(long id, float[] vector) throws IOException {
        if (vector.length != dimension) {
            throw new IllegalArgumentException("row " + id + " has " + vector.length + " components, " + file
                    + " holds " + dimension);
        }
        if (buffer.remaining() < RowFile.rowBytes(dimension)) {
            drain();
        }
        buffer.putLong(id);
        buffer.asFloatBuffer().put(vector);
        buffer.position(buffer.position() + Float.BYTES * dimension);
        rows++;
    }

    public long rows() {
        return rows;
    }

    public Path file() {
        return file;
    }

    private void drain() throws IOException {
        out.write(buffer.array(), 0, buffer.position());
        buffer.clear();
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try (OutputStream stream = out) {
            drain();
            ByteBuffer trailer = RowFile.trailer(rows);
            stream.write(trailer.array(), 0, trailer.limit());
        }
    }
}
