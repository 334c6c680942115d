package io.vecforge.jobs.sample;

import io.vecforge.writer.shard.EmbeddingCursor;
import java.io.IOException;
import java.util.BitSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * The training sample read from the input scan's candidates, in the order the files hold it: each row of the
 * sample comes with its place in sample order ({@link #position()}), the rest are skipped. So the sample's
 * vectors are never sorted, only its ids (on the driver), and its order does not depend on how Spark split the
 * input. An id the input holds twice takes the next free place of its id.
 */
public final class OrderedCandidates implements EmbeddingCursor {
    private final EmbeddingCursor candidates;
    private final long seed;
    private final long[] keys;
    private final long[] ids;
    private final BitSet placed;
    private int position = -1;

    private OrderedCandidates(EmbeddingCursor candidates, SampleOrder order) {
        this.candidates = candidates;
        this.seed = order.seed();
        this.ids = order.ids();
        this.keys = new long[ids.length];
        this.placed = new BitSet(ids.length);
        for (int i = 0; i < ids.length; i++) {
            keys[i] = RowSelection.keyOf(seed, ids[i]);
            if (i > 0 && compare(keys[i - 1], ids[i - 1], keys[i], ids[i]) > 0) {
                throw new IllegalStateException("training sample order: id " + ids[i] + " (key " + keys[i]
                        + ") is listed after id " + ids[i - 1] + " (key " + keys[i - 1] + "): the order was not"
                        + " made with this seed's keys");
            }
        }
    }

    /** Reads the sample from {@code candidates} (which it closes, also when the order cannot be read). */
    public static OrderedCandidates open(Configuration conf, EmbeddingCursor candidates, Path order)
            throws IOException {
        try {
            return new OrderedCandidates(candidates, SampleOrder.read(conf, order));
        } catch (IOException | RuntimeException e) {
            try {
                candidates.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** Rows in the sample. */
    public int rows() {
        return ids.length;
    }

    @Override
    public boolean next() throws IOException {
        while (candidates.next()) {
            long id = candidates.id();
            long key = RowSelection.keyOf(seed, id);
            int at = find(key, id);
            if (at >= 0) {
                position = at;
                placed.set(at);
                return true;
            }
        }
        position = -1;
        return false;
    }

    /** The first free place of (key, id) in the order, or -1 when the sample does not hold it (or holds it fully). */
    private int find(long key, long id) {
        int low = 0;
        int high = ids.length - 1;
        int first = -1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            int c = compare(keys[mid], ids[mid], key, id);
            if (c < 0) {
                low = mid + 1;
            } else {
                if (c == 0) {
                    first = mid;
                }
                high = mid - 1;
            }
        }
        if (first < 0) {
            return -1;
        }
        for (int at = first; at < ids.length && keys[at] == key && ids[at] == id; at++) {
            if (!placed.get(at)) {
                return at;
            }
        }
        return -1;
    }

    private static int compare(long keyA, long idA, long keyB, long idB) {
        return keyA != keyB ? Long.compare(keyA, keyB) : Long.compare(idA, idB);
    }

    @Override
    public long id() {
        return candidates.id();
    }

    @Override
    public float[] vector() {
        return candidates.vector();
    }

    @Override
    public long position() {
        return position;
    }

    @Override
    public void close() throws IOException {
        candidates.close();
    }
}
