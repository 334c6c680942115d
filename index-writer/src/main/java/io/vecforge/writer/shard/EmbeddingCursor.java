package io.vecforge.writer.shard;

import java.io.Closeable;

/** A forward-only stream of (id, vector) rows. {@link #vector()} may reuse its array between rows. */
public interface EmbeddingCursor extends Closeable {
    boolean next() throws java.io.IOException;

    long id();

    float[] vector();

    /**
     * The current row's place in the stream's own order, for a stream that delivers its rows in another
     * order; -1 (the default): the row comes in its place, after the previous one.
     */
    default long position() {
        return -1;
    }
}
