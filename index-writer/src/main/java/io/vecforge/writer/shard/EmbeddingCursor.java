package io.vecforge.writer.shard;

import java.io.Closeable;

/** A forward-only stream of (id, vector) rows. {@link #vector()} may reuse its array between rows. */
public interface EmbeddingCursor extends Closeable {
    boolean next() throws java.io.IOException;

    long id();

    float[] vector();
}
