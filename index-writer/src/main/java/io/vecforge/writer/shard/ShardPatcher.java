package io.vecforge.writer.shard;

import io.vecforge.bundle.DuplicatePolicy;
import io.vecforge.bundle.ShardAssignment;
import io.vecforge.faiss.FaissIndex;
import io.vecforge.faiss.Metric;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies one shard's share of a delta to the base version's shard: streams the delta's rows in
 * ascending id order (ties: ascending order column), resolves rows sharing an id by the
 * {@link DuplicatePolicy}, removes every deleted or upserted id from the index and adds the
 * upserts with their ids. Rows are applied a batch at a time (remove, then add), so at most one
 * batch is held in the JVM heap; as each id appears once after resolution, that is the same as
 * removing every id first. At the end each inverted list is put back in id order, so the file is
 * the one a build adding the merged rows in id order writes.
 */
public final class ShardPatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ShardPatcher.class);
    private static final int DUPLICATE_SAMPLES = 5;

    /**
     * What a patch did.
     *
     * @param rows entries in the patched shard
     * @param upserts upserts applied; replaced of them replaced an id the base held, the rest are new
     * @param deletes deletes applied; deletesFound of them removed an id the base held
     * @param exactNeighbours exact neighbours of the hold-out queries among this shard's upserts
     * @param touchedTruthIds the watched ids (the base's ground truth) this delta deleted or replaced
     * @param sorted whether the lists could be put in id order (the in-memory lists of a built index)
     * @param upsertFitSum the upserts' distances to their nearest coarse centroid, summed (as QuantizerFit measures
     *     a sample's): how well the reused quantizer fits the new rows
     */
    public record Result(int shard, long rows, Long minId, Long maxId, long upserts, long replaced, long deletes,
            long deletesFound, long duplicates, List<Long> duplicateSamples,
            io.vecforge.faiss.Neighbours exactNeighbours, long[] touchedTruthIds, boolean sorted, double upsertFitSum)
            implements java.io.Serializable {
        public long inserted() {
            return upserts - replaced;
        }

        public long deletesMissing() {
            return deletes - deletesFound;
        }
    }

    private final int shard;
    private final int shardCount;
    private final FaissIndex index;
    private final ExactNeighbourSearch exact;
    private final boolean normalize;
    private final DuplicatePolicy duplicatePolicy;
    private final long[] watched;
    private final int dimension;
    private final float[] upsertVectors;
    private final long[] upsertIds;
    private final long[] deleteIds;
    private int upsertRows;
    private int deleteRows;
    private final float[] pendingVector;
    private boolean hasPending;
    private boolean pendingUpsert;
    private long pendingId;
    private long upserts;
    private long replaced;
    private long deletes;
    private long deletesFound;
    private long duplicates;
    private double upsertFitSum;
    private final List<Long> duplicateSamples = new ArrayList<>();
    private final List<Long> touched = new ArrayList<>();

    /**
     * Takes ownership of {@code baseShard}.
     *
     * @param watchedIds ids whose deletion or replacement the caller wants to know of (sorted here)
     */
    public ShardPatcher(int shard, int shardCount, FaissIndex baseShard, int batchSize, ExactNeighbourSearch exact,
            Metric metric, DuplicatePolicy duplicatePolicy, long[] watchedIds) {
        this.shard = shard;
        this.shardCount = shardCount;
        this.index = baseShard;
        this.exact = exact;
        this.normalize = metric.normalizes();
        this.duplicatePolicy = duplicatePolicy;
        this.watched = watchedIds.clone();
        Arrays.sort(this.watched);
        this.dimension = baseShard.dimension();
        this.upsertVectors = new float[batchSize * dimension];
        this.upsertIds = new long[batchSize];
        this.deleteIds = new long[batchSize];
        this.pendingVector = new float[dimension];
    }

    /** An upsert of {@code id}: the shard holds this vector under it afterwards. */
    public void upsert(long id, float[] vector) {
        check(id, vector);
        take(id, true, vector);
    }

    /** A delete of {@code id}: the shard does not hold it afterwards, whether or not it did before. */
    public void delete(long id) {
        take(id, false, null);
    }

    private void take(long id, boolean upsert, float[] vector) {
        if (hasPending && id == pendingId) {
            duplicates++;
            if (duplicateSamples.size() < DUPLICATE_SAMPLES
                    && (duplicateSamples.isEmpty() || duplicateSamples.get(duplicateSamples.size() - 1) != id)) {
                duplicateSamples.add(id);
            }
            if (duplicatePolicy == DuplicatePolicy.KEEP_LATEST) {
                setPending(id, upsert, vector);
            }
            return;
        }
        if (hasPending && id < pendingId) {
            throw new InvalidRowException(id, "ids out of order after " + pendingId);
        }
        if (id < 0) {
            throw new InvalidRowException(id, "negative id");
        }
        int owner = ShardAssignment.shardOf(id, shardCount);
        if (owner != shard) {
            throw new IllegalStateException("row id " + id + " belongs to shard " + owner + ", not " + shard);
        }
        commitPending();
        setPending(id, upsert, vector);
    }

    private void setPending(long id, boolean upsert, float[] vector) {
        pendingId = id;
        pendingUpsert = upsert;
        hasPending = true;
        if (upsert) {
            System.arraycopy(vector, 0, pendingVector, 0, dimension);
        }
    }

    private void commitPending() {
        if (!hasPending) {
            return;
        }
        hasPending = false;
        if (Arrays.binarySearch(watched, pendingId) >= 0) {
            touched.add(pendingId);
        }
        if (!pendingUpsert) {
            deleteIds[deleteRows++] = pendingId;
            deletes++;
        } else {
            int offset = upsertRows * dimension;
            System.arraycopy(pendingVector, 0, upsertVectors, offset, dimension);
            if (normalize && !Metric.normalize(upsertVectors, offset, dimension)) {
                throw new InvalidRowException(pendingId, "zero vector cannot be normalised for cosine");
            }
            upsertIds[upsertRows++] = pendingId;
            upserts++;
        }
        if (upsertRows == upsertIds.length || deleteRows == deleteIds.length) {
            flush();
        }
    }

    private void flush() {
        deletesFound += index.removeIds(deleteIds, deleteRows);
        replaced += index.removeIds(upsertIds, upsertRows);
        if (upsertRows > 0) {
            index.addWithIds(upsertVectors, upsertIds, upsertRows);
            for (float distance : index.nearestCentroidDistances(upsertVectors, upsertRows)) {
                upsertFitSum += distance;
            }
            if (exact != null) {
                exact.addBatch(upsertVectors, upsertIds, upsertRows);
            }
        }
        upsertRows = 0;
        deleteRows = 0;
    }

    /** Applies the last rows, puts the lists in id order and writes the shard to a local file. */
    public Result finish(Path localFile) {
        commitPending();
        flush();
        boolean sorted = index.sortListsById();
        if (!sorted) {
            LOG.warn("shard {}: its inverted lists are not the in-memory kind, so they keep the patched order: the"
                    + " file holds the same entries as a rebuild's, not the same bytes", shard);
        }
        index.write(localFile);
        long[] bounds = index.idBounds();
        LOG.info("shard {}: patched to {} rows ({} upserts, {} replacing; {} deletes, {} found; {} duplicate rows"
                + " dropped)", shard, index.ntotal(), upserts, replaced, deletes, deletesFound, duplicates);
        return new Result(shard, index.ntotal(), bounds == null ? null : bounds[0], bounds == null ? null : bounds[1],
                upserts, replaced, deletes, deletesFound, duplicates, List.copyOf(duplicateSamples),
                exact == null ? null : exact.result(), touched.stream().mapToLong(Long::longValue).toArray(), sorted,
                upsertFitSum);
    }

    private void check(long id, float[] vector) {
        if (vector == null) {
            throw new InvalidRowException(id, "upsert without a vector");
        }
        if (vector.length != dimension) {
            throw new InvalidRowException(id, "vector has " + vector.length + " components, expected " + dimension);
        }
        for (int j = 0; j < dimension; j++) {
            if (!Float.isFinite(vector[j])) {
                throw new InvalidRowException(id, "component " + j + " is " + vector[j]);
            }
        }
    }

    @Override
    public void close() {
        index.close();
    }
}
