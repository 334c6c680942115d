package io.vecforge.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SyntheticDeltaTest {
    @Test
    void halfDeletesAQuarterReplacementsAQuarterInsertsNoIdTwice() {
        for (long baseRows : new long[] {1, 7, 1000, 1_000_003L * 2}) {
            for (long rows : new long[] {0, 1, 2, 3, 5, Math.min(baseRows, 999)}) {
                if (rows > baseRows) {
                    continue;
                }
                SyntheticDelta delta = new SyntheticDelta(new SyntheticEmbeddings(3, 8), baseRows, rows);
                Set<Long> ids = new HashSet<>();
                long deletes = 0;
                long inserts = 0;
                for (long row = 0; row < rows; row++) {
                    long id = delta.id(row);
                    assertTrue(ids.add(id), "id " + id + " twice");
                    if (row % 4 == 3) {
                        inserts++;
                        assertTrue(id >= baseRows && delta.isUpsert(row));
                    } else {
                        assertTrue(id >= 0 && id < baseRows, "row " + row + " names base id " + id);
                        deletes += delta.isUpsert(row) ? 0 : 1;
                    }
                }
                assertEquals(baseRows - deletes + inserts, delta.rowsAfter(), baseRows + "/" + rows);
            }
        }
    }

    @Test
    void aReplacementIsANewVectorFromTheSameGenerator() {
        SyntheticEmbeddings embeddings = new SyntheticEmbeddings(3, 8);
        SyntheticDelta delta = new SyntheticDelta(embeddings, 100, 8);
        float[] replaced = new float[8];
        float[] old = new float[8];
        delta.fill(1, replaced);
        embeddings.fill(delta.id(1), old, 0);
        assertFalse(java.util.Arrays.equals(old, replaced));
        float[] inserted = new float[8];
        float[] expected = new float[8];
        delta.fill(3, inserted);
        embeddings.fill(100, expected, 0);
        assertArrayEquals(expected, inserted, "an insert is the row the base would have had next");
        assertThrows(IllegalArgumentException.class, () -> new SyntheticDelta(embeddings, 10, 11));
    }
}
