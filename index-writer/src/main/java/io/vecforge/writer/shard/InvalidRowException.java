package io.vecforge.writer.shard;

/** An input row the index cannot take; the message names the row's id and what is wrong. */
public final class InvalidRowException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final long id;

    public InvalidRowException(long id, String problem) {
        super("row id " + id + ": " + problem);
        this.id = id;
    }

    public long id() {
        return id;
    }
}
