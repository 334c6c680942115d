package io.vecforge.data;

import io.vecforge.writer.shard.EmbeddingCursor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Reads the rows of one {@link RowFile} or of every {@code *.rows} file of a directory (by name), in order, in
 * blocks. Every file must hold rows of one dimension, and exactly the rows its trailer counts.
 * {@link #vector()} reuses its array. Not thread-safe.
 */
public final class RowFileReader implements EmbeddingCursor {
    private static final int BLOCK_BYTES = 1 << 20;

    private final FileSystem fs;
    private final List<FileStatus> files;
    private final int dimension;
    private final float[] vector;
    private final ByteBuffer block;
    private int fileIndex = -1;
    private FSDataInputStream in;
    private long rowsLeftInFile;
    private long id;

    private RowFileReader(FileSystem fs, List<FileStatus> files, int dimension) {
        this.fs = fs;
        this.files = files;
        this.dimension = dimension;
        this.vector = new float[dimension];
        int rowBytes = RowFile.rowBytes(dimension);
        this.block = ByteBuffer.allocate(Math.max(1, BLOCK_BYTES / rowBytes) * rowBytes)
                .order(ByteOrder.LITTLE_ENDIAN);
        block.limit(0);
    }

    /**
     * Opens a row file, or a directory's row files (a directory without any gives a reader of no rows); the
     * first file's header gives the dimension, which every other file must have.
     */
    public static RowFileReader open(Configuration conf, Path path) throws IOException {
        FileSystem fs = path.getFileSystem(conf);
        FileStatus status = fs.getFileStatus(path);
        List<FileStatus> files = new ArrayList<>();
        if (status.isDirectory()) {
            for (FileStatus file : fs.listStatus(path)) {
                if (file.isFile() && file.getPath().getName().endsWith(RowFile.SUFFIX)) {
                    files.add(file);
                }
            }
            files.sort(Comparator.comparing(f -> f.getPath().getName()));
        } else {
            files.add(status);
        }
        int dimension = 0;
        if (!files.isEmpty()) {
            byte[] header = new byte[RowFile.HEADER_BYTES];
            try (FSDataInputStream in = fs.open(files.get(0).getPath())) {
                in.readFully(0, header);
            }
            dimension = RowFile.dimension(files.get(0).getPath(), header);
        }
        return new RowFileReader(fs, files, dimension);
    }

    /** The rows' dimension; 0 when there are no files. */
    public int dimension() {
        return dimension;
    }

    @Override
    public boolean next() throws IOException {
        while (rowsLeftInFile == 0) {
            if (!nextFile()) {
                return false;
            }
        }
        if (!block.hasRemaining()) {
            fill();
        }
        id = block.getLong();
        block.asFloatBuffer().get(vector);
        block.position(block.position() + Float.BYTES * dimension);
        rowsLeftInFile--;
        return true;
    }

    private void fill() throws IOException {
        int rowBytes = RowFile.rowBytes(dimension);
        int bytes = (int) Math.min(block.capacity() / rowBytes, rowsLeftInFile) * rowBytes;
        block.clear();
        in.readFully(block.array(), 0, bytes);
        block.limit(bytes);
    }

    /** Opens the next file, checking its header and trailer; false after the last. */
    private boolean nextFile() throws IOException {
        closeFile();
        if (++fileIndex >= files.size()) {
            return false;
        }
        FileStatus file = files.get(fileIndex);
        Path path = file.getPath();
        long length = file.getLen();
        if (length < RowFile.HEADER_BYTES + RowFile.TRAILER_BYTES) {
            throw new IOException(path + ": " + length + " bytes is too short for a row file");
        }
        in = fs.open(path);
        byte[] header = new byte[RowFile.HEADER_BYTES];
        byte[] trailer = new byte[RowFile.TRAILER_BYTES];
        in.readFully(length - RowFile.TRAILER_BYTES, trailer);
        in.readFully(0, header);
        int fileDimension = RowFile.dimension(path, header);
        if (fileDimension != dimension) {
            throw new IOException(path + " holds rows of " + fileDimension + " components, expected " + dimension);
        }
        rowsLeftInFile = RowFile.rows(path, trailer, length, dimension);
        in.seek(RowFile.HEADER_BYTES);
        block.limit(0);
        return true;
    }

    private void closeFile() throws IOException {
        if (in != null) {
            InputStream stream = in;
            in = null;
            stream.close();
        }
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public float[] vector() {
        return vector;
    }

    @Override
    public void close() throws IOException {
        fileIndex = files.size();
        rowsLeftInFile = 0;
        closeFile();
    }
}
