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
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.function.Supplier;

/**
 * A shard's rows in (id, order) order, whatever order they arrive in: an external merge sort. Rows are copied
 * into a run of at most {@code runRows} rows held in primitive arrays. When the run is full, the rows the caller
 * still expects beyond it (with a margin; the whole run when it expects none) are written to a scratch file as a
 * sorted run: the smallest rows of the run in (id, order, arrival) order, the others kept in memory in arrival
 * order. The sorted rows are the merge of the scratch runs with the rows still in memory, so a shard that
 * overflows its run by a fifth writes about a fifth of its rows to disk, not all of them, and a shard that fits
 * never touches the disk. More than {@link #MAX_FAN_IN} runs are first merged in groups, so that a merge never
 * holds more than that many files and buffers. Rows equal in (id, order) keep their arrival order (what a run
 * writes out is always the earliest of such rows it holds). The run's arrays come from {@link RunBuffers}, which
 * hands them to the next sort of the same size in this JVM. Not thread-safe; {@link #close} deletes the scratch
 * files and gives the arrays back.
 */
public final class SortedRows implements Closeable {
    private static final int READ_BUFFER_BYTES = 1 << 18;
    /** Runs merged at once: more are first merged in groups, so a merge holds at most this many buffers and files. */
    static final int MAX_FAN_IN = 64;

    private final int dimension;
    private final Supplier<Path> scratch;
    private final long expectedRows;
    private final RunBuffers buffers;
    private final long[] ids;
    private final long[] orders;
    private final float[] vectors;
    private final List<Path> runs = new ArrayList<>();
    private final List<Path> created = new ArrayList<>();
    private final List<Closeable> open = new ArrayList<>();
    private int count;
    private int spilled;
    private long spilledRows;
    private long rows;
    private boolean sorted;
    private boolean closed;

    /** A sort that expects nothing: a full run is written out whole. */
    public SortedRows(int dimension, int runRows, Supplier<Path> scratch) {
        this(dimension, runRows, 0, scratch);
    }

    /**
     * @param runRows rows held in memory, at least 1
     * @param expectedRows the rows the caller expects to add (0: unknown), which decides how much of a full run
     *                     is written out
     * @param scratch makes an empty scratch file for a run
     */
    public SortedRows(int dimension, int runRows, long expectedRows, Supplier<Path> scratch) {
        if (dimension <= 0 || runRows <= 0 || (long) runRows * dimension > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("runs of " + runRows + " rows of " + dimension + " components");
        }
        this.dimension = dimension;
        this.scratch = scratch;
        this.expectedRows = Math.max(0, expectedRows);
        this.buffers = RunBuffers.take(runRows, dimension);
        this.ids = buffers.ids();
        this.orders = buffers.orders();
        this.vectors = buffers.vectors();
    }

    /** Rows per run for a run buffer of about {@code bytes}. */
    public static int runRows(long bytes, int dimension) {
        long rowBytes = 2L * Long.BYTES + (long) Float.BYTES * dimension;
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE / dimension, bytes / rowBytes));
    }

    /** Copies a row in. The vector must have the dimension's components (the caller checks, naming the row). */
    public void add(long id, long order, float[] vector) {
        if (sorted || closed) {
            throw new IllegalStateException("rows added after sorting");
        }
        if (vector.length != dimension) {
            throw new IllegalArgumentException("row " + id + " has " + vector.length + " components, not "
                    + dimension);
        }
        if (count == ids.length) {
            spill(evictionRows());
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

    /** Rows a run holds in memory. */
    public int runRows() {
        return ids.length;
    }

    /** Runs written to disk from memory (0 when every row fitted in memory). */
    public int spilledRuns() {
        return spilled;
    }

    /** Rows written to disk from memory (each once; a merge of groups of runs writes them again). */
    public long spilledRows() {
        return spilledRows;
    }

    /**
     * The rows of a full run to write out: all of them when nothing is expected; else those still expected
     * beyond this one, with a margin (a sixteenth of them and a sixty-fourth of the run), at least an eighth
     * of the run, or half of it once more rows came than expected.
     */
    private int evictionRows() {
        int capacity = ids.length;
        if (expectedRows == 0) {
            return capacity;
        }
        long stillExpected = expectedRows - rows;
        if (stillExpected <= 0) {
            return Math.max(1, capacity / 2);
        }
        long wanted = stillExpected + stillExpected / 16 + capacity / 64;
        return (int) Math.max(Math.max(1, capacity / 8), Math.min(capacity, wanted));
    }

    /** The rows in (id, order) order; once, after the last {@link #add}. {@link EmbeddingCursor#close} is a no-op. */
    public EmbeddingCursor sorted() throws IOException {
        if (sorted || closed) {
            throw new IllegalStateException("rows already sorted");
        }
        sorted = true;
        if (runs.isEmpty()) {
            return new MemoryRun(order(ids, orders, count));
        }
        while (runs.size() + 1 > MAX_FAN_IN) {
            mergeGroups();
        }
        return merge(runs, count == 0 ? null : new MemoryRun(order(ids, orders, count)));
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
                Merge rows = merge(group, null);
                while (rows.next()) {
                    write(out, row, rows.current.id, rows.current.order, rows.current.vector(), 0);
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

    /** The files' runs and the rows still in memory (null: none), which rank after every file in a tie. */
    private Merge merge(List<Path> files, MemoryRun memory) throws IOException {
        PriorityQueue<Head> heads = new PriorityQueue<>();
        for (int i = 0; i < files.size(); i++) {
            FileRun run = new FileRun(i, files.get(i));
            open.add(run);
            if (run.advance()) {
                heads.add(run);
            }
        }
        if (memory != null && memory.advance()) {
            heads.add(memory);
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

    /**
     * Writes the first {@code n} rows of the run in (id, order, arrival) order to a scratch file and keeps the
     * others, moved to the front in their arrival order.
     */
    private void spill(int n) {
        int[] order = order(ids, orders, count);
        Path file = newRun();
        runs.add(file);
        spilled++;
        spilledRows += n;
        ByteBuffer row = rowBuffer();
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), READ_BUFFER_BYTES)) {
            for (int i = 0; i < n; i++) {
                int place = order[i];
                write(out, row, ids[place], orders[place], vectors, place * dimension);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a sorted run of a shard's rows to " + file, e);
        }
        boolean[] written = new boolean[count];
        for (int i = 0; i < n; i++) {
            written[order[i]] = true;
        }
        int kept = 0;
        for (int place = 0; place < count; place++) {
            if (written[place]) {
                continue;
            }
            if (kept != place) {
                ids[kept] = ids[place];
                orders[kept] = orders[place];
                System.arraycopy(vectors, place * dimension, vectors, kept * dimension, dimension);
            }
            kept++;
        }
        count = kept;
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
        if (!closed) {
            closed = true;
            buffers.giveBack();
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** The head of a run being merged: its current row, and the run's place in arrival order. */
    private abstract static class Head implements Comparable<Head> {
        final int index;
        long id;
        long order;

        Head(int index) {
            this.index = index;
        }

        /** Moves to the run's next row; false at its end. */
        abstract boolean advance() throws IOException;

        abstract float[] vector();

        @Override
        public int compareTo(Head other) {
            int byId = Long.compare(id, other.id);
            if (byId != 0) {
                return byId;
            }
            int byOrder = Long.compare(order, other.order);
            return byOrder != 0 ? byOrder : Integer.compare(index, other.index); // earlier runs arrived first
        }
    }

    /** The rows still in memory, in their sorted order: the whole output when no run was written out. */
    private final class MemoryRun extends Head implements EmbeddingCursor {
        private final int[] places;
        private final float[] vector = new float[dimension];
        private int at = -1;

        MemoryRun(int[] places) {
            super(Integer.MAX_VALUE);
            this.places = places;
        }

        @Override
        boolean advance() {
            if (at + 1 >= places.length) {
                at = places.length;
                return false;
            }
            at++;
            int place = places[at];
            id = ids[place];
            order = orders[place];
            System.arraycopy(vectors, place * dimension, vector, 0, dimension);
            return true;
        }

        @Override
        public boolean next() {
            return advance();
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
        public void close() {}
    }

    /** A sorted run on disk, read sequentially; its head is the row it last read. */
    private final class FileRun extends Head implements Closeable {
        private final InputStream in;
        private final byte[] bytes = new byte[2 * Long.BYTES + Float.BYTES * dimension];
        private final ByteBuffer row = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        private final FloatBuffer floats = ByteBuffer.wrap(bytes, 2 * Long.BYTES, Float.BYTES * dimension).slice()
                .order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        private final float[] vector = new float[dimension];

        FileRun(int index, Path file) throws IOException {
            super(index);
            this.in = new BufferedInputStream(Files.newInputStream(file), READ_BUFFER_BYTES);
        }

        @Override
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
            floats.get(0, vector);
            return true;
        }

        @Override
        float[] vector() {
            return vector;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    /** The runs merged: the smallest head next. */
    private static final class Merge implements EmbeddingCursor {
        private final PriorityQueue<Head> heads;
        private Head current;

        Merge(PriorityQueue<Head> heads) {
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
            return current.vector();
        }

        @Override
        public void close() {}
    }
}
