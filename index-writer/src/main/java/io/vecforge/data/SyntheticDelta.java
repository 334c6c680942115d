package io.vecforge.data;

/**
 * A deterministic delta against the data set {@link SyntheticEmbeddings} writes for ids
 * {@code 0 .. baseRows-1}: of every four delta rows, two delete an existing id, one gives an
 * existing id a new vector, and one inserts a new id ({@code baseRows, baseRows+1, …}). The ids
 * a delta deletes or replaces are distinct (row i names id {@code i * stride mod baseRows}, with
 * the stride coprime to baseRows), so the delta holds no duplicates. New vectors come from the
 * same distribution as the base's (the same centres and projection), as a day's re-embedded and
 * new items would.
 */
public final class SyntheticDelta {
    /** Replacement vectors are the generator's rows from here on: never a base row's own vector. */
    static final long REPLACEMENT_ROWS = 1L << 40;
    private static final long STRIDE = 1_000_003L;

    private final SyntheticEmbeddings embeddings;
    private final long baseRows;
    private final long rows;
    private final long stride;

    public SyntheticDelta(SyntheticEmbeddings embeddings, long baseRows, long rows) {
        if (baseRows <= 0 || rows < 0 || rows > baseRows) {
            throw new IllegalArgumentException("a delta needs 0 <= rows <= baseRows and baseRows > 0, got rows=" + rows
                    + ", baseRows=" + baseRows);
        }
        this.embeddings = embeddings;
        this.baseRows = baseRows;
        this.rows = rows;
        long s = STRIDE % baseRows == 0 ? 1 : STRIDE;
        while (gcd(s, baseRows) != 1) {
            s++;
        }
        this.stride = s;
    }

    public long rows() {
        return rows;
    }

    public boolean isUpsert(long row) {
        return row % 4 == 1 || row % 4 == 3;
    }

    public long id(long row) {
        if (row % 4 == 3) {
            return baseRows + row / 4;
        }
        return Math.floorMod(Math.multiplyExact(row, stride), baseRows);
    }

    /** An upsert's vector into {@code out}; a delete has none. */
    public void fill(long row, float[] out) {
        long id = id(row);
        embeddings.fill(row % 4 == 3 ? id : REPLACEMENT_ROWS + id, out, 0);
    }

    /** Rows the version holds after this delta: base - deletes + inserts. */
    public long rowsAfter() {
        long deletes = rows / 4 * 2 + Math.min(rows % 4, 1) + (rows % 4 == 3 ? 1 : 0);
        long inserts = rows / 4;
        return baseRows - deletes + inserts;
    }

    private static long gcd(long a, long b) {
        return b == 0 ? a : gcd(b, a % b);
    }
}
