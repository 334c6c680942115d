package io.vecforge.jobs.shard;

import java.io.Serializable;
import java.util.Comparator;

/** Shuffle key of a row: its id, then the ordering column, so rows of one id arrive together and in order. */
public record RowKey(long id, long order) implements Serializable {
    public static final Comparator<RowKey> ORDER = new ByIdThenOrder();

    private static final class ByIdThenOrder implements Comparator<RowKey>, Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public int compare(RowKey a, RowKey b) {
            int byId = Long.compare(a.id, b.id);
            return byId != 0 ? byId : Long.compare(a.order, b.order);
        }
    }
}
