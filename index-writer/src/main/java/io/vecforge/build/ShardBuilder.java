package io.vecforge.build;

import io.vecforge.bundle.ShardAssignment;
import io.vecforge.faiss.FaissIndex;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams one shard's rows, in ascending id order, into its own copy of the trained index.
 * At most one batch of rows is held in the JVM heap at a time. Each batch also feeds the exact
 * neighbour search of the hold-out queries.
 */
public final class ShardBuilder implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ShardBuilder.class);
    private static final long PROGRESS_EVERY_ROWS = 250_000;

    private final int shard;
    private final int shardCount;
    private final FaissIndex index;
    private final ExactNeighbourSearch exact;
    private final int dimension;
    private final float[] batchVectors;
    private final long[] batchIds;
    private int batchRows;
    private long rows;
    private long firstId;
    private long lastId;
    private long nextProgress = PROGRESS_EVERY_ROWS;

    /** Takes ownership of {@code emptyIndex}. */
    public ShardBuilder(int shard, int shardCount, FaissIndex emptyIndex, int batchSize, ExactNeighbourSearch exact) {
        if (!emptyIndex.isTrained()) {
            throw new IllegalArgumentException("shard " + shard + ": the index is not trained");
        }
        this.shard = shard;
        this.shardCount = shardCount;
        this.index = emptyIndex;
        this.exact = exact;
        this.dimension = emptyIndex.dimension();
        this.batchVectors = new float[batchSize * dimension];
        this.batchIds = new long[batchSize];
    }

    public void add(long id, float[] vector) {
        if (vector == null) {
            throw new InvalidRowException(id, "vector is null");
        }
        if (vector.length != dimension) {
            throw new InvalidRowException(id, "vector has " + vector.length + " components, expected " + dimension);
        }
        for (int j = 0; j < dimension; j++) {
            if (!Float.isFinite(vector[j])) {
                throw new InvalidRowException(id, "component " + j + " is " + vector[j]);
            }
        }
        if (rows > 0 && id <= lastId) {
            throw new InvalidRowException(id, id == lastId ? "duplicate id" : "ids out of order after " + lastId);
        }
        int owner = ShardAssignment.shardOf(id, shardCount);
        if (owner != shard) {
            throw new IllegalStateException("row id " + id + " belongs to shard " + owner + ", not " + shard);
        }
        if (rows == 0) {
            firstId = id;
        }
        System.arraycopy(vector, 0, batchVectors, batchRows * dimension, dimension);
        batchIds[batchRows++] = id;
        rows++;
        lastId = id;
        if (batchRows == batchIds.length) {
            flush();
        }
    }

    /** Adds the last batch and writes the shard to a local file. */
    public ShardResult finish(Path localFile) {
        flush();
        index.write(localFile);
        LOG.info("shard {}: {} rows written to {}", shard, rows, localFile.getFileName());
        return new ShardResult(shard, rows, rows == 0 ? null : firstId, rows == 0 ? null : lastId,
                exact == null ? null : exact.result());
    }

    private void flush() {
        if (batchRows == 0) {
            return;
        }
        index.addWithIds(batchVectors, batchIds, batchRows);
        if (exact != null) {
            exact.addBatch(batchVectors, batchIds, batchRows);
        }
        batchRows = 0;
        if (rows >= nextProgress) {
            LOG.info("shard {}: {} rows added", shard, rows);
            nextProgress += PROGRESS_EVERY_ROWS;
        }
    }

    @Override
    public void close() {
        index.close();
    }
}
