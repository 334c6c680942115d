package io.vecforge.writer.shard;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.function.Supplier;

/**
 * A shard's rows in (id, order) order, whatever order they arrive in: an external merge sort. Rows are copied
 * into a run of at most {@code runRows} rows held in primitive arrays; a full run is sorted and written to a
 * scratch file; the sorted rows are the merge of the runs, read back sequentially. So a shard of any size holds
 * one run in the heap (plus a read buffer per run while merging), and a shard that fits in one run never touches
 * the disk. More than {@link #MAX_FAN_IN} runs are first merged in groups, so that a merge never holds more
 * than that many files and buffers. Rows equal in (id, order) keep their arrival order. Not thread-safe;
 * {@link #close} deletes the scratch files.
 */
public final class SortedRows implements Closeable {
    private static final int READ_BUFFER_BYTES = 1 << 18;
    /** Runs merged at once: more are first merged in groups, so a merge holds at most this many buffers and files. */
    static final int MAX_FAN_IN = 64;

    private final int dimension;
    private final Supplier<Path> scratch;
    private final long[] ids;
    private final long[] orders;
    private final float[] vectors;
    private final List<Path> runs = new ArrayList<>();
    private final List<Path> created = new ArrayList<>();
    private final List<Closeable> open = new ArrayList<>();
    private int count;
    private int spilled;
    private long rows;
    private boolean sorted;

    /**
     * @param runRows rows per run, at least 1
     * @param scratch makes an empty scratch file for a run
     */
    public SortedRows(int dimension, int runRows, Supplier<Path> scratch) {
        if (dimension <= 0 || runRows <= 0 || (long) runRows * dimension > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("runs of " + runRows + " rows of " + dimension + " components");
        }
        this.dimension = dimension;
        this.scratch = scratch;
        this.ids = new long[runRows];
        this.orders = new long[runRows];
        this.vectors = new float[runRows * dimension];
    }

    /** Rows per run for a run buffer of about {@code bytes}. */
    public static int runRows(long bytes, int dimension) {
        long rowBytes = 2L * Long.BYTES + (long) Float.BYTES * dimension;
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE / dimension, bytes / rowBytes));
    }

    /** Copies a row in. The vector must have the dimension's components (the caller checks, naming the row). */
    public void add(long id, long order, float[] vector) {
        if (sorted) {
            throw new IllegalStateException("rows added after sorting");
        }
        if (vector.length != dimension) {
            throw new IllegalArgumentException("row " + id + " has " + vector.length + " components, not "
                    + dimension);
        }
        if (count == ids.length) {
            spill();
        }
        ids[count] = id;
        orders[count] = order;
        System.arraycopy(vector, 0, vectors, count * dimension, dimension);
        count++;
        rows++;
    }

    /** Rows added. */
    public long rows() {
        return rows;
    }

    /** Runs written to disk from memory (0 when every row fitted in memory). */
    public int spilledRuns() {
        return spilled;
    }

    /** The rows in (id, order) order; once, after the last {@link #add}. {@link EmbeddingCursor#close} is a no-op. */
    public EmbeddingCursor sorted() throws IOException {
        if (sorted) {
            throw new IllegalStateException("rows already sorted");
        }
        sorted = true;
        if (runs.isEmpty()) {
            return new MemoryRun(order(ids, orders, count));
        }
        spill();
        while (runs.size() > MAX_FAN_IN) {
            mergeGroups();
        }
        return merge(runs);
    }

    /** Merges the runs in consecutive groups of MAX_FAN_IN into one run each, keeping their order. */
    private void mergeGroups() throws IOException {
        List<Path> merged = new ArrayList<>();
        ByteBuffer row = rowBuffer();
        for (int first = 0; first < runs.size(); first += MAX_FAN_IN) {
            List<Path> group = runs.subList(first, Math.min(first + MAX_FAN_IN, runs.size()));
            Path file = newRun();
            merged.add(file);
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), READ_BUFFER_BYTES)) {
                Merge rows = merge(group);
                while (rows.next()) {
                    write(out, row, rows.current.id, rows.current.order, rows.current.vector, 0);
                }
            } finally {
                closeOpen();
            }
        }
        for (Path run : runs) {
            Files.deleteIfExists(run);
        }
        runs.clear();
        runs.addAll(merged);
    }

    private Merge merge(List<Path> files) throws IOException {
        PriorityQueue<FileRun> heads = new PriorityQueue<>(FileRun::compareTo);
        for (int i = 0; i < files.size(); i++) {
            FileRun run = new FileRun(i, files.get(i));
            open.add(run);
            if (run.advance()) {
                heads.add(run);
            }
        }
        return new Merge(heads);
    }

    private Path newRun() {
        Path file = scratch.get();
        created.add(file);
        return file;
    }

    private ByteBuffer rowBuffer() {
        return ByteBuffer.allocate(2 * Long.BYTES + Float.BYTES * dimension).order(ByteOrder.LITTLE_ENDIAN);
    }

    private void write(OutputStream out, ByteBuffer row, long id, long order, float[] from, int offset)
            throws IOException {
        row.clear();
        row.putLong(id).putLong(order);
        row.asFloatBuffer().put(from, offset, dimension);
        out.write(row.array());
    }

    private void spill() {
        if (count == 0) {
            return;
        }
        int[] order = order(ids, orders, count);
        Path file = newRun();
        runs.add(file);
        spilled++;
        ByteBuffer row = rowBuffer();
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), READ_BUFFER_BYTES)) {
            for (int i : order) {
                write(out, row, ids[i], orders[i], vectors, i * dimension);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a sorted run of a shard's rows to " + file, e);
        }
        count = 0;
    }

    /**
     * The places 0..n-1 sorted by (id, order), stably: a merge sort on primitive arrays. Each merge is a call of
     * its own: a loop that runs once per task would wait for on-stack replacement to leave the interpreter, while
     * a method called half a million times in the first pass is compiled within it (a shard's first sort took
     * 1.3 s where later ones took 20-90 ms).
     */
    static int[] order(long[] ids, long[] orders, int n) {
        int[] places = new int[n];
        for (int i = 0; i < n; i++) {
            places[i] = i;
        }
        int[] buffer = new int[n];
        for (int width = 1; width < n; width *= 2) {
            for (int low = 0; low < n - width; low += 2 * width) {
                merge(ids, orders, places, buffer, low, low + width, Math.min(low + 2 * width, n));
            }
        }
        return places;
    }

    /** Merges the sorted places [low, mid) and [mid, high) in place, through buffer. */
    private static void merge(long[] ids, long[] orders, int[] places, int[] buffer, int low, int mid, int high) {
        if (compare(ids, orders, places[mid - 1], places[mid]) <= 0) {
            return; // already in order: the common case for input written sorted
        }
        int a = low;
        int b = mid;
        int out = low;
        while (a < mid && b < high) {
            buffer[out++] = compare(ids, orders, places[a], places[b]) <= 0 ? places[a++] : places[b++];
        }
        while (a < mid) {
            buffer[out++] = places[a++];
        }
        while (b < high) {
            buffer[out++] = places[b++];
        }
        System.arraycopy(buffer, low, places, low, high - low);
    }

    private static int compare(long[] ids, long[] orders, int a, int b) {
        int byId = Long.compare(ids[a], ids[b]);
        return byId != 0 ? byId : Long.compare(orders[a], orders[b]);
    }

    /** Closes the runs being read; the first failure is thrown after all are closed. */
    private void closeOpen() throws IOException {
        IOException failure = null;
        for (Closeable closeable : open) {
            try {
                closeable.close();
            } catch (IOException e) {
                failure = failure == null ? e : failure;
            }
        }
        open.clear();
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public void close() throws IOException {
        IOException failure = null;
        try {
            closeOpen();
        } catch (IOException e) {
            failure = e;
        }
        for (Path file : created) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                failure = failure == null ? e : failure;
            }
        }
        created.clear();
        runs.clear();
        if (failure != null) {
            throw failure;
        }
    }

    /** The one run that never left memory. */
    private final class MemoryRun implements EmbeddingCursor {
        private final int[] order;
        private final float[] vector = new float[dimension];
        private int at = -1;

        MemoryRun(int[] order) {
            this.order = order;
        }

        @Override
        public boolean next() {
            if (at + 1 >= order.length) {
                at = order.length;
                return false;
            }
            at++;
            System.arraycopy(vectors, order[at] * dimension, vector, 0, dimension);
            return true;
        }

        @Override
        public long id() {
            return ids[order[at]];
        }

        @Override
        public float[] vector() {
            return vector;
        }

        @Override
        public void close() {}
    }

    /** A sorted run on disk, read sequentially; its head is the row it last read. */
    private final class FileRun implements Comparable<FileRun>, Closeable {
        private final int index;
        private final InputStream in;
        private final byte[] bytes = new byte[2 * Long.BYTES + Float.BYTES * dimension];
        private final ByteBuffer row = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        private final float[] vector = new float[dimension];
        private long id;
        private long order;

        FileRun(int index, Path file) throws IOException {
            this.index = index;
            this.in = new BufferedInputStream(Files.newInputStream(file), READ_BUFFER_BYTES);
        }

        boolean advance() throws IOException {
            int read = in.readNBytes(bytes, 0, bytes.length);
            if (read == 0) {
                return false;
            }
            if (read != bytes.length) {
                throw new EOFException("a sorted run of a shard's rows ends inside a row");
            }
            id = row.getLong(0);
            order = row.getLong(Long.BYTES);
            row.position(2 * Long.BYTES);
            row.asFloatBuffer().get(vector);
            return true;
        }

        @Override
        public int compareTo(FileRun other) {
            int byId = Long.compare(id, other.id);
            if (byId != 0) {
                return byId;
            }
            int byOrder = Long.compare(order, other.order);
            return byOrder != 0 ? byOrder : Integer.compare(index, other.index); // earlier runs arrived first
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    /** The runs merged: the smallest head next. */
    private static final class Merge implements EmbeddingCursor {
        private final PriorityQueue<FileRun> heads;
        private FileRun current;

        Merge(PriorityQueue<FileRun> heads) {
            this.heads = heads;
        }

        @Override
        public boolean next() throws IOException {
            if (current != null && current.advance()) {
                heads.add(current);
            }
            current = heads.poll();
            return current != null;
        }

        @Override
        public long id() {
            return current.id;
        }

        @Override
        public float[] vector() {
            return current.vector;
        }

        @Override
        public void close() {}
    }
}
