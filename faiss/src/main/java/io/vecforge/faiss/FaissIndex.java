package io.vecforge.faiss;

import io.vecforge.faiss.NativeFaiss.NativeIndex;
import java.nio.file.Path;
import java.util.OptionalDouble;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;

/**
 * A Faiss index in native memory, owned by exactly one instance of this class.
 *
 * <p>{@link #close()} frees the native index at once; nothing relies on garbage collection.
 * Instances are not thread-safe. Faiss errors arrive as {@link RuntimeException}s carrying
 * Faiss's own message; vectors and ids are checked before every call ({@link VectorGuard}), so
 * values Faiss would abort on are an IllegalArgumentException instead.
 */
public final class FaissIndex implements AutoCloseable {
    static {
        Loader.load(NativeFaiss.class);
    }

    /** Loads the JNI library (the class initializer does; this names the intent). */
    static void loadNativeLibrary() {}

    /** ||x - y||² ≤ 4·max(||x||², ||y||²): below this squared norm, no distance overflows a float. */
    public static final double MAX_SQUARED_NORM = Float.MAX_VALUE / 4.0;

    /** Query-list bounds, and centroid components, a bounded exact search keeps at most (floats: 32 MiB each). */
    public static final long MAX_EXACT_BOUNDS = 1L << 23;

    private NativeIndex peer;
    private int exactQueries = -1;

    private FaissIndex(NativeIndex peer) {
        this.peer = peer;
    }

    /** Builds an empty index with Faiss's index_factory, e.g. "IVF1024,PQ32". */
    public static FaissIndex create(int dimension, String factory, Metric metric) {
        if (dimension <= 0) {
            throw new IllegalArgumentException("dimension must be positive, got " + dimension);
        }
        try {
            return new FaissIndex(NativeIndex.create(dimension, factory, metric.faissCode()));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    "Faiss cannot build index '" + factory + "' for dimension " + dimension + ": "
                            + e.getMessage(), e);
        }
    }

    /**
     * Refuses, before any work, what training this untrained index would refuse from its shape alone: a polysemous
     * reordering whose tables are over Faiss's memory limit (codes of more than 14 bits).
     */
    public void checkTrainable() {
        try {
            live().checkTrainable();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("Faiss cannot train this index: " + e.getMessage(), e);
        }
    }

    public static FaissIndex read(Path file) {
        return new FaissIndex(NativeIndex.readFile(file.toString()));
    }

    /**
     * Reads a trained index to add rows to: as {@link #read}, without the IVF-PQ table that Faiss builds on reading
     * for searches by residual (tens to hundreds of MiB of native memory; no add reads it, and the file the index
     * writes is the same). Other indexes are read as {@link #read} reads them. Search the result only through a
     * file it writes, read again.
     */
    public static FaissIndex readForAdding(Path file) {
        return new FaissIndex(NativeIndex.readFileForAdding(file.toString()));
    }

    /** Whether this index holds an IVF-PQ precomputed table (for tests of {@link #readForAdding}). */
    boolean hasPqTable() {
        return live().hasPqTable();
    }

    /**
     * Reads an index whose inverted lists stay in {@code file}: each list is read from it when a search or a check
     * asks for it, so the index holds its quantizer and codebooks in native memory but not its entries. The file
     * may be deleted once this returns (the index keeps its own descriptor of it). Lists Faiss does not write in
     * its array layout are read whole, as {@link #read} reads them ({@link #listsInFile()} tells which).
     */
    public static FaissIndex readListsOnDisk(Path file) {
        return new FaissIndex(NativeIndex.readFileListsOnDisk(file.toString()));
    }

    /**
     * From now on keeps the entries added to this empty index's inverted lists on disk, in a scratch file in
     * {@code directory} that is unlinked as soon as it is made, with at most about {@code bufferBytes} of each list's
     * newest entries in native memory; the file it writes is the one Faiss's own lists would write. Only an empty
     * IVF-Flat, -SQ or -PQ index with Faiss's array lists changes: returns false, nothing changed, for any other.
     */
    public boolean spillLists(Path directory, long bufferBytes) {
        if (bufferBytes <= 0) {
            throw new IllegalArgumentException("the lists' buffer must have room, got " + bufferBytes + " bytes");
        }
        try {
            return live().spillLists(directory.toString(), bufferBytes);
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot keep the inverted lists in " + directory + ": " + e.getMessage(), e);
        }
    }

    /** Bytes the spilled lists have written to their scratch file; -1 when the lists are not spilled. */
    public long spilledBytes() {
        return live().spilledBytes();
    }

    /** Whether the inverted lists are read from the index's file ({@link #readListsOnDisk}). */
    public boolean listsInFile() {
        return live().listsInFile();
    }

    public FaissIndex copy() {
        return new FaissIndex(live().copy());
    }

    public int dimension() {
        return live().dimension();
    }

    public long ntotal() {
        return live().ntotal();
    }

    public boolean isTrained() {
        return live().isTrained();
    }

    public Metric metric() {
        return Metric.fromFaissCode(live().metricType());
    }

    public boolean isIvf() {
        return live().isIvf();
    }

    public long nlist() {
        return live().nlist();
    }

    /** Dimension of an IVFPQ index's PQ sub-spaces (d / M), where its codebooks' k-means runs; 0 without PQ. */
    public int pqSubDimension() {
        return live().pqSubDimension();
    }

    public long nprobe() {
        return live().nprobe();
    }

    public void setNprobe(long nprobe) {
        if (nprobe <= 0) {
            throw new IllegalArgumentException("nprobe must be positive, got " + nprobe);
        }
        live().setNprobe(nprobe);
    }

    /** Whether training prints its progress (k-means iterations, PQ training) through {@link FaissOutput}. */
    public void setTrainingVerbose(boolean verbose) {
        live().setTrainingVerbose(verbose);
    }

    /**
     * Trains on n vectors held in native memory (n * dimension floats). An IVFPQ index's polysemous training
     * (a factory's PQ without "np") runs as vecforge's: Faiss's objective and annealing, the cost of a swap
     * computed along rows.
     */
    public void train(FloatPointer vectors, long n) {
        checkLength(vectors.capacity(), n);
        VectorGuard.checkVectors(vectors, n, dimension());
        withWarningsCollected(() -> live().train(n, vectors));
    }

    /**
     * Trains with {@code assigner} answering every k-means assignment (coarse quantizer and, for
     * IVFPQ, the PQ codebooks); only IVF indexes train this way.
     */
    public void train(FloatPointer vectors, long n, KmeansAssigner assigner) {
        checkLength(vectors.capacity(), n);
        VectorGuard.checkVectors(vectors, n, dimension());
        if (!isIvf()) {
            throw new IllegalArgumentException("only IVF indexes train with a k-means assigner");
        }
        withWarningsCollected(() -> live().trainWith(n, vectors, assigner.live()));
    }

    /**
     * The mean distance of the sample the last {@link #train(FloatPointer, long, KmeansAssigner)} trained on to its
     * nearest coarse centroid, taken from the training's own assignment of the rows (the IVFPQ codebooks trained
     * side by side): {@code QuantizerFit}'s measure, rounded as the training's assigner rounds (within 1e-6 of
     * it). Empty when that training did not assign the whole sample itself.
     */
    public OptionalDouble trainedSampleFit() {
        double fit = live().trainedFit();
        return Double.isNaN(fit) ? OptionalDouble.empty() : OptionalDouble.of(fit);
    }

    public void train(float[] vectors, int n) {
        checkLength(vectors.length, n);
        VectorGuard.checkVectors(vectors, n, dimension());
        withWarningsCollected(() -> live().train(n, vectors));
    }

    /**
     * Faiss's own training, nothing of vecforge's in it (the {@code train} methods run an IVFPQ index's
     * polysemous training as vecforge's): what they are compared with.
     */
    void trainAsFaiss(float[] vectors, int n) {
        checkLength(vectors.length, n);
        VectorGuard.checkVectors(vectors, n, dimension());
        withWarningsCollected(() -> live().trainAsFaiss(n, vectors));
    }

    /**
     * Runs a training with what Faiss prints routed: each distinct warning once, with its count, on
     * System.err; progress lines to System.out. Under a caller's own {@link FaissOutput} capture (the
     * build's trainer logs them) this one stands aside and the caller gets every line.
     */
    private static void withWarningsCollected(Runnable training) {
        FaissWarnings warnings = new FaissWarnings();
        try (FaissOutput output = FaissOutput.capture(line -> {
            if (!warnings.offer(line)) {
                System.out.println(line);
            }
        })) {
            training.run();
        }
        warnings.summary().forEach(line -> System.err.println("faiss: " + line));
    }

    public void add(float[] vectors, int n) {
        checkLength(vectors.length, n);
        VectorGuard.checkVectors(vectors, n, dimension());
        live().add(n, vectors);
    }

    public void addWithIds(float[] vectors, long[] ids, int n) {
        checkRows(vectors, ids, n);
        live().addWithIds(n, vectors, ids);
    }

    /** Whether {@link #addWithIds} encodes PQ codes on transposed centroids here (an IVF-PQ of 4-d sub-vectors, AVX512). */
    boolean addsThroughTransposedPq() {
        return live().addsThroughTransposedPq();
    }

    /** Faiss's own add_with_ids (addWithIds may encode PQ codes its own way, to the same bytes): for comparison. */
    void addWithIdsAsFaiss(float[] vectors, long[] ids, int n) {
        checkRows(vectors, ids, n);
        live().addWithIdsAsFaiss(n, vectors, ids);
    }

    /**
     * Prepares {@link #addWithIdsExact} for these queries (the metric the heaps are kept in): true where it
     * serves, a bare IVF-Flat, -PQ or -SQ index of that metric with at most {@link #MAX_EXACT_BOUNDS} query-list
     * bounds and centroid components; false, preparing nothing, otherwise. The bounds are freed with the index.
     */
    public boolean prepareExactBounds(float[] queries, Metric metric) {
        int dimension = dimension();
        if (queries.length % dimension != 0) {
            throw new IllegalArgumentException("queries hold " + queries.length + " floats, not a multiple of "
                    + dimension);
        }
        int queryCount = queries.length / dimension;
        VectorGuard.checkVectors(queries, queryCount, dimension);
        exactQueries = live().prepareExactBounds(queryCount, queries, metric.faissCode(), MAX_EXACT_BOUNDS)
                ? queryCount : -1;
        return exactQueries >= 0;
    }

    /**
     * Adds n vectors with their ids, as {@link #addWithIds} does, and folds them into the exact top-k of the
     * queries {@link #prepareExactBounds} took (heaps as {@link #exactKnnUpdate} keeps them), computing only the
     * distances the triangle inequality cannot rule out. {@code nanos} (2 entries) gets the add's time, then the
     * search's; returns the query-row distances computed.
     */
    public long addWithIdsExact(float[] vectors, long[] ids, int n, int k, float[] heapDistances, long[] heapIds,
            long[] nanos) {
        if (exactQueries < 0) {
            throw new IllegalStateException("addWithIdsExact needs prepareExactBounds first");
        }
        checkLength(vectors.length, n);
        if (ids.length < n || n <= 0 || k <= 0) {
            throw new IllegalArgumentException("need n > 0 rows, k > 0 and n ids; got n " + n + ", k " + k + ", "
                    + ids.length + " ids");
        }
        if ((long) exactQueries * k != heapDistances.length || heapDistances.length != heapIds.length) {
            throw new IllegalArgumentException("heaps must hold queries x k = " + (long) exactQueries * k
                    + " entries, got " + heapDistances.length + " and " + heapIds.length);
        }
        if (nanos.length < 2) {
            throw new IllegalArgumentException("nanos needs 2 entries, got " + nanos.length);
        }
        checkRows(vectors, ids, n);
        return live().addWithIdsExact(n, vectors, ids, k, heapDistances, heapIds, nanos);
    }

    public SearchResult search(float[] queries, int n, int k) {
        checkLength(queries.length, n);
        if (k <= 0) {
            throw new IllegalArgumentException("k must be positive, got " + k);
        }
        VectorGuard.checkVectors(queries, n, dimension());
        float[] distances = new float[n * k];
        long[] labels = new long[n * k];
        live().search(n, queries, k, distances, labels);
        return new SearchResult(n, k, distances, labels);
    }

    /** Whether {@link #searchSlices} serves this index: a bare IVF-Flat, -SQ or -PQ index. */
    public boolean slicesSearchable() {
        return live().slicesSearchable();
    }

    /**
     * One search per slice of each query's nearest inverted lists: slice i covers lists {@code bounds[i-1]} (0
     * for the first) to {@code bounds[i]} of the coarse assignment, made once for the largest bound. The top-k at
     * nprobe {@code bounds[i]} is the merge of slices 0..i: a sweep over nprobes scans each list once. Returns
     * the slices' results; {@code nanos} (length bounds + 1) gets the assignment's time, then each slice's.
     */
    public SearchResult[] searchSlices(float[] queries, int n, int k, int[] bounds, long[] nanos) {
        checkLength(queries.length, n);
        if (n <= 0 || k <= 0) {
            throw new IllegalArgumentException("searchSlices needs queries and k > 0, got n " + n + ", k " + k);
        }
        if (!slicesSearchable()) {
            throw new IllegalStateException("searchSlices needs a bare IVF-Flat, -SQ or -PQ index");
        }
        long nlist = nlist();
        for (int i = 0; i < bounds.length; i++) {
            if (bounds[i] <= (i == 0 ? 0 : bounds[i - 1]) || bounds[i] > nlist) {
                throw new IllegalArgumentException("slice bounds must rise within nlist " + nlist + ": "
                        + java.util.Arrays.toString(bounds));
            }
        }
        if (bounds.length == 0 || nanos.length != bounds.length + 1) {
            throw new IllegalArgumentException("searchSlices needs bounds and bounds + 1 timings");
        }
        if ((long) bounds.length * n * k > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("searchSlices: " + bounds.length + " x " + n + " x " + k
                    + " results do not fit one array");
        }
        VectorGuard.checkVectors(queries, n, dimension());
        float[] distances = new float[bounds.length * n * k];
        long[] labels = new long[bounds.length * n * k];
        live().searchSlices(n, queries, k, bounds, bounds.length, distances, labels, nanos);
        SearchResult[] slices = new SearchResult[bounds.length];
        for (int i = 0; i < bounds.length; i++) {
            int from = i * n * k;
            slices[i] = new SearchResult(n, k, java.util.Arrays.copyOfRange(distances, from, from + n * k),
                    java.util.Arrays.copyOfRange(labels, from, from + n * k));
        }
        return slices;
    }

    /**
     * Distance of each vector to its nearest coarse centroid, in the quantizer's metric (squared L2,
     * or inner product): how well a trained IVF quantizer fits data.
     */
    public float[] nearestCentroidDistances(float[] vectors, int n) {
        checkLength(vectors.length, n);
        VectorGuard.checkVectors(vectors, n, dimension());
        float[] distances = new float[n];
        live().nearestCentroidDistances(n, vectors, distances);
        return distances;
    }

    /** How many vectors each inverted list of an IVF index holds. */
    public long[] listSizes() {
        long[] sizes = new long[Math.toIntExact(nlist())];
        live().listSizes(sizes);
        return sizes;
    }

    /**
     * Native bytes an IVF index's inverted lists have allocated for their ids and codes, which their entries fill
     * only in part while the lists grow; -1 when the lists are not Faiss's own arrays.
     */
    public long listBytesAllocated() {
        return live().listBytesAllocated();
    }

    /** The ids stored in an IVF index, inverted list by inverted list. */
    public long[] ids() {
        long total = ntotal();
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("index too large to list ids in one array: " + total);
        }
        long[] ids = new long[(int) total];
        live().copyIds(ids);
        return ids;
    }

    /** Removes every entry whose id is in {@code ids}; returns how many entries were removed. */
    public long removeIds(long[] ids, int n) {
        if (n < 0 || n > ids.length) {
            throw new IllegalArgumentException("cannot remove " + n + " of " + ids.length + " ids");
        }
        if (n == 0) {
            return 0;
        }
        return live().removeIds(n, ids);
    }

    /**
     * Orders each inverted list by ascending id (codes move with their ids), as a build adding rows in id
     * order leaves them; false, and nothing changed, when the lists are not the in-memory kind.
     */
    public boolean sortListsById() {
        return live().sortListsById();
    }

    /** {smallest, largest} id held, or null when the index is empty. */
    public long[] idBounds() {
        long[] bounds = new long[2];
        return live().idBounds(bounds) ? bounds : null;
    }

    public void write(Path file) {
        live().writeFile(file.toString());
    }

    public boolean isClosed() {
        return peer == null;
    }

    @Override
    public void close() {
        if (peer != null) {
            NativeIndex.destroy(peer);
            peer = null;
        }
    }

    /**
     * The classes a written file of this index holds, outermost first, ';'-separated (for example
     * {@code faiss::IndexIVFPQ;faiss::IndexFlatL2;faiss::ArrayInvertedLists}); {@link FaissReaders} maps
     * them to the oldest Faiss that reads the file.
     */
    public String components() {
        return live().components().getString();
    }

    /**
     * Folds {@code n} rows into the running exact top-k of the queries held as Faiss heaps in
     * {@code heapDistances} / {@code heapIds} (queries × k; start them with {@link #emptyHeaps}): Faiss's
     * flat-search distances, each row tested against the running k-th best before it touches a heap.
     */
    public static void exactKnnUpdate(float[] queries, int dimension, float[] rows, long[] ids, int n, Metric metric,
            int k, float[] heapDistances, long[] heapIds) {
        if (dimension <= 0 || k <= 0 || n < 0) {
            throw new IllegalArgumentException("dimension and k must be positive and n not negative, got "
                    + dimension + ", " + k + ", " + n);
        }
        if (queries.length % dimension != 0) {
            throw new IllegalArgumentException("queries hold " + queries.length + " floats, not a multiple of "
                    + dimension);
        }
        int queryCount = queries.length / dimension;
        if ((long) n * dimension > rows.length || n > ids.length) {
            throw new IllegalArgumentException(n + " rows need " + (long) n * dimension + " floats and " + n
                    + " ids, got " + rows.length + " and " + ids.length);
        }
        if ((long) queryCount * k != heapDistances.length || heapDistances.length != heapIds.length) {
            throw new IllegalArgumentException("heaps must hold queries x k = " + (long) queryCount * k
                    + " entries, got " + heapDistances.length + " and " + heapIds.length);
        }
        VectorGuard.checkVectors(queries, queryCount, dimension);
        VectorGuard.checkVectors(rows, n, dimension);
        VectorGuard.checkIds(ids, n);
        loadNativeLibrary();
        NativeIndex.exactKnnUpdate(dimension, queryCount, queries, n, rows, ids, k, metric.faissCode(), heapDistances,
                heapIds);
    }

    /** Empty heaps for {@link #exactKnnUpdate}: no id (-1) at the worst distance of the metric. */
    public static void emptyHeaps(Metric metric, float[] heapDistances, long[] heapIds) {
        java.util.Arrays.fill(heapDistances, metric.smallerIsCloser() ? Float.POSITIVE_INFINITY
                : Float.NEGATIVE_INFINITY);
        java.util.Arrays.fill(heapIds, -1L);
    }

    public static String faissVersion() {
        return NativeIndex.faissVersion().getString();
    }

    /**
     * Sets the OpenMP threads of the calling thread (Faiss's parallel loops). The OpenMP build of
     * OpenBLAS that vecforge links follows them (big sgemms use every task thread, BLAS inside Faiss's
     * loops one); {@code blasThreads} is the process-wide pool of a pthread OpenBLAS, should another
     * one be loaded. Call it at the start of every task, on the task's thread.
     */
    public static void setThreads(int openMpThreads, int blasThreads) {
        NativeIndex.setThreads(Math.max(1, openMpThreads), Math.max(1, blasThreads));
    }

    /** C-heap bytes in use by this process (Faiss's indexes, codes, buffers; not the JVM heap). */
    public static long nativeHeapBytes() {
        return NativeIndex.nativeHeapBytes();
    }

    /** OpenMP threads a parallel loop started on the calling thread would use. */
    public static int openMpMaxThreads() {
        return NativeIndex.ompMaxThreads();
    }

    private NativeIndex live() {
        if (peer == null) {
            throw new IllegalStateException("index already closed");
        }
        return peer;
    }

    /** n vectors and ids as an add takes them: enough of each, every vector finite and in range, no id negative. */
    private void checkRows(float[] vectors, long[] ids, int n) {
        checkLength(vectors.length, n);
        if (ids.length < n) {
            throw new IllegalArgumentException("ids hold " + ids.length + " entries, need " + n);
        }
        VectorGuard.checkVectors(vectors, n, dimension());
        VectorGuard.checkIds(ids, n);
    }

    private void checkLength(long floats, long n) {
        long needed = n * (long) live().dimension();
        if (n < 0 || floats < needed) {
            throw new IllegalArgumentException(
                    "need " + needed + " floats for " + n + " vectors of dimension " + live().dimension()
                            + ", got " + floats);
        }
    }
}
