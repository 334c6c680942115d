package io.vecforge.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.hadoop.fs.Path;

/**
 * A work file of (id, float vector) rows of one dimension, fixed-size and little-endian, for rows that a build
 * writes and reads back itself (the input scan's sample and query candidates): written and read in bulk, where
 * Parquet's record assembly handles each component on its own. Layout: a 16-byte header ({@link #MAGIC}, the
 * dimension as int32, 4 zero bytes), the rows (int64 id, then the components as float32), a 16-byte trailer
 * ({@link #END}, the row count as int64). A reader checks that the file's length is exactly that of its rows,
 * so a truncated or padded file is refused, never read short.
 */
public final class RowFile {
    static final byte[] MAGIC = "VFROWS01".getBytes(StandardCharsets.US_ASCII);
    static final byte[] END = "VFROWEND".getBytes(StandardCharsets.US_ASCII);
    static final int HEADER_BYTES = 16;
    static final int TRAILER_BYTES = 16;
    /** Row files' names end so. */
    public static final String SUFFIX = ".rows";

    private RowFile() {}

    /** Bytes of one row of {@code dimension} components. */
    static int rowBytes(int dimension) {
        return Long.BYTES + Float.BYTES * dimension;
    }

    static ByteBuffer header(int dimension) {
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        header.put(MAGIC).putInt(dimension).putInt(0).flip();
        return header;
    }

    static ByteBuffer trailer(long rows) {
        ByteBuffer trailer = ByteBuffer.allocate(TRAILER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        trailer.put(END).putLong(rows).flip();
        return trailer;
    }

    /** The dimension a header gives, after checking it. */
    static int dimension(Path file, byte[] header) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
        if (!Arrays.equals(Arrays.copyOf(header, MAGIC.length), MAGIC)) {
            throw new IOException(file + " is not a vecforge row file");
        }
        int dimension = buffer.getInt(MAGIC.length);
        if (dimension <= 0 || buffer.getInt(MAGIC.length + Integer.BYTES) != 0) {
            throw new IOException(file + ": row file header with dimension " + dimension);
        }
        return dimension;
    }

    /** The row count a trailer gives, after checking it against the file's length. */
    static long rows(Path file, byte[] trailer, long length, int dimension) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(trailer).order(ByteOrder.LITTLE_ENDIAN);
        if (!Arrays.equals(Arrays.copyOf(trailer, END.length), END)) {
            throw new IOException(file + ": row file without its trailer (truncated?)");
        }
        long rows = buffer.getLong(END.length);
        long rowBytes = rowBytes(dimension);
        if (rows < 0 || rows > (length - HEADER_BYTES - TRAILER_BYTES) / rowBytes
                || length != HEADER_BYTES + TRAILER_BYTES + rows * rowBytes) {
            throw new IOException(file + ": " + length + " bytes do not hold the " + rows + " rows of "
                    + dimension + " components its trailer gives");
        }
        return rows;
    }
}
