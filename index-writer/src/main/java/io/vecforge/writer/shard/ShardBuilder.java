package io.vecforge.writer.shard;

import io.vecforge.bundle.DuplicatePolicy;
import io.vecforge.bundle.ShardAssignment;
import io.vecforge.faiss.FaissIndex;
import io.vecforge.faiss.VectorNorms;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams one shard's rows, in ascending id order, into its own copy of the trained index.
 * At most one batch of rows (plus one pending row) is held in the JVM heap at a time. Rows that
 * repeat an id are resolved by the {@link DuplicatePolicy} and counted. Each batch also feeds
 * the exact neighbour search of the hold-out queries.
 */
public final class ShardBuilder implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ShardBuilder.class);
    private static final long PROGRESS_EVERY_ROWS = 250_000;
    private static final int DUPLICATE_SAMPLES = 5;

    private final int shard;
    private final int shardCount;
    private final FaissIndex index;
    private final ExactNeighbourSearch exact;
    private final int dimension;
    private final boolean normalize;
    private final DuplicatePolicy duplicatePolicy;
    private final float[] batchVectors;
    private final long[] batchIds;
    private final float[] pendingVector;
    private boolean hasPending;
    private long pendingId;
    private int batchRows;
    private long rows;
    private long firstId;
    private long lastId;
    private long duplicates;
    private final List<Long> duplicateSamples = new ArrayList<>();
    private long nextProgress = PROGRESS_EVERY_ROWS;
    private final boolean exactAlongAdd;
    private final long[] batchNanos = new long[2];
    private long exactPairs;
    private long addNanos;
    private long exactNanos;
    private long writeNanos;

    /** Takes ownership of {@code emptyIndex}; no normalisation, duplicates fail. */
    public ShardBuilder(int shard, int shardCount, FaissIndex emptyIndex, int batchSize, ExactNeighbourSearch exact) {
        this(shard, shardCount, emptyIndex, batchSize, exact, false, DuplicatePolicy.FAIL);
    }

    /**
     * Takes ownership of {@code emptyIndex}.
     *
     * @param normalize L2-normalise every vector before it is added (cosine metric)
     */
    public ShardBuilder(int shard, int shardCount, FaissIndex emptyIndex, int batchSize, ExactNeighbourSearch exact,
            boolean normalize, DuplicatePolicy duplicatePolicy) {
        if (!emptyIndex.isTrained()) {
            emptyIndex.close();
            throw new IllegalArgumentException("shard " + shard + ": the index is not trained");
        }
        this.shard = shard;
        this.shardCount = shardCount;
        this.index = emptyIndex;
        this.exact = exact;
        this.dimension = emptyIndex.dimension();
        this.normalize = normalize;
        this.duplicatePolicy = duplicatePolicy;
        this.batchVectors = new float[batchSize * dimension];
        this.batchIds = new long[batchSize];
        this.pendingVector = new float[dimension];
        this.exactAlongAdd = exact != null && exact.rideAlong(emptyIndex);
    }

    /** Takes one row; rows must come in ascending id order (ties: ascending ordering column). */
    public void add(long id, float[] vector) {
        check(id, vector);
        if (hasPending && id == pendingId) {
            duplicates++;
            if (duplicateSamples.size() < DUPLICATE_SAMPLES
                    && (duplicateSamples.isEmpty() || duplicateSamples.get(duplicateSamples.size() - 1) != id)) {
                duplicateSamples.add(id);
            }
            if (duplicatePolicy == DuplicatePolicy.KEEP_LATEST) {
                System.arraycopy(vector, 0, pendingVector, 0, dimension);
            }
            return;
        }
        if (hasPending && id < pendingId) {
            throw new InvalidRowException(id, "ids out of order after " + pendingId);
        }
        int owner = ShardAssignment.shardOf(id, shardCount);
        if (owner != shard) {
            throw new IllegalStateException("row id " + id + " belongs to shard " + owner + ", not " + shard);
        }
        commitPending();
        System.arraycopy(vector, 0, pendingVector, 0, dimension);
        pendingId = id;
        hasPending = true;
    }

    /** Components of each row. */
    public int dimension() {
        return dimension;
    }

    /** Adds the last rows and writes the shard to a local file. */
    public ShardResult finish(Path localFile) {
        commitPending();
        flush();
        long writeStart = System.nanoTime();
        index.write(localFile);
        writeNanos += System.nanoTime() - writeStart;
        LOG.info("shard {}: {} rows written to {} ({} duplicate rows dropped)", shard, rows, localFile.getFileName(),
                duplicates);
        if (exact != null && rows > 0 && exact.queryCount() > 0) {
            LOG.info(String.format(java.util.Locale.ROOT, "shard %d: exact neighbours of %d queries: %,d of %,d"
                    + " query-row distances computed (%.1f%%; %s)", shard, exact.queryCount(), exactPairs,
                    rows * exact.queryCount(), 100.0 * exactPairs / (rows * exact.queryCount()), exactAlongAdd
                    ? "the rest ruled out by the coarse quantizer's bounds" : "every one: no bounds for this index"));
        }
        return new ShardResult(shard, rows, rows == 0 ? null : firstId, rows == 0 ? null : lastId, duplicates,
                List.copyOf(duplicateSamples), exact == null ? null : exact.result());
    }

    private void check(long id, float[] vector) {
        if (vector == null) {
            throw new InvalidRowException(id, "vector is null");
        }
        if (vector.length != dimension) {
            throw new InvalidRowException(id, "vector has " + vector.length + " components, expected " + dimension);
        }
        int bad = VectorNorms.firstNonFinite(vector, 0, dimension);
        if (bad >= 0) {
            throw new InvalidRowException(id, "component " + bad + " is " + vector[bad]);
        }
    }

    private void commitPending() {
        if (!hasPending) {
            return;
        }
        hasPending = false;
        int offset = batchRows * dimension;
        System.arraycopy(pendingVector, 0, batchVectors, offset, dimension);
        if (normalize && !io.vecforge.faiss.Metric.normalize(batchVectors, offset, dimension)) {
            throw new InvalidRowException(pendingId, "zero vector cannot be normalised for cosine");
        }
        if (rows == 0) {
            firstId = pendingId;
        }
        batchIds[batchRows++] = pendingId;
        lastId = pendingId;
        rows++;
        if (batchRows == batchIds.length) {
            flush();
        }
    }

    private void flush() {
        if (batchRows == 0) {
            return;
        }
        if (exactAlongAdd) {
            exactPairs += exact.addThrough(index, batchVectors, batchIds, batchRows, batchNanos);
            addNanos += batchNanos[0];
            exactNanos += batchNanos[1];
        } else {
            addAndSearch();
        }
        batchRows = 0;
        if (rows >= nextProgress) {
            LOG.info("shard {}: {} rows added", shard, rows);
            nextProgress += PROGRESS_EVERY_ROWS;
        }
    }

    private void addAndSearch() {
        long start = System.nanoTime();
        index.addWithIds(batchVectors, batchIds, batchRows);
        long added = System.nanoTime();
        addNanos += added - start;
        if (exact != null) {
            exact.addBatch(batchVectors, batchIds, batchRows);
            exactNanos += System.nanoTime() - added;
            exactPairs += (long) batchRows * exact.queryCount();
        }
    }

    /** Milliseconds spent so far in Faiss's add, the exact neighbour search and the shard file's write. */
    public Map<String, Long> phaseMillis() {
        Map<String, Long> phases = new LinkedHashMap<>();
        phases.put("add", addNanos / 1_000_000);
        phases.put("exact-neighbours", exactNanos / 1_000_000);
        phases.put("write", writeNanos / 1_000_000);
        return phases;
    }

    @Override
    public void close() {
        index.close();
    }
}
