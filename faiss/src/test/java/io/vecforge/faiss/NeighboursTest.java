package io.vecforge.faiss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class NeighboursTest {

    @Test
    void offerKeepsTheKBestSortedBestFirst() {
        Neighbours best = new Neighbours(1, 3, true);
        best.offer(0, 10, 5f);
        best.offer(0, 11, 1f);
        best.offer(0, 12, 9f);
        best.offer(0, 13, 3f);
        best.offer(0, 14, 7f);

        assertArrayEquals(new long[] {11, 13, 10}, best.ids());
        assertEquals(1f, best.distance(0, 0));
        assertEquals(3f, best.distance(0, 1));
        assertEquals(5f, best.distance(0, 2));
    }

    @Test
    void unfilledSlotsStayEmptyAndNegativeIdsAreIgnored() {
        Neighbours best = new Neighbours(2, 3, true);
        best.offer(0, 7, 2f);
        best.offer(0, -1, 0f);
        best.offer(1, -1, 0f);

        assertArrayEquals(new long[] {7, -1, -1, -1, -1, -1}, best.ids());
        assertEquals(Float.POSITIVE_INFINITY, best.distance(0, 1));
    }

    @Test
    void queriesAreKeptApart() {
        Neighbours best = new Neighbours(2, 2, true);
        best.offer(1, 5, 1f);
        best.offer(0, 6, 2f);
        best.offer(1, 7, 0.5f);

        assertEquals(6, best.id(0, 0));
        assertEquals(-1, best.id(0, 1));
        assertEquals(7, best.id(1, 0));
        assertEquals(5, best.id(1, 1));
    }

    @Test
    void tiesBreakOnTheSmallerIdWhateverTheOfferOrder() {
        Neighbours forward = new Neighbours(1, 3, true);
        Neighbours backward = new Neighbours(1, 3, true);
        long[] ids = {40, 30, 20, 10};
        for (long id : ids) {
            forward.offer(0, id, 1f);
        }
        for (int i = ids.length - 1; i >= 0; i--) {
            backward.offer(0, ids[i], 1f);
        }

        assertArrayEquals(new long[] {10, 20, 30}, forward.ids());
        assertArrayEquals(new long[] {10, 20, 30}, backward.ids());
    }

    @Test
    void mergingPartialResultsInAnyOrderGivesTheSameAnswer() {
        int queries = 4;
        int k = 5;
        Random random = new Random(7);
        List<Neighbours> parts = new ArrayList<>();
        Neighbours all = new Neighbours(queries, k, true);
        long nextId = 0;
        for (int p = 0; p < 6; p++) {
            Neighbours part = new Neighbours(queries, k, true);
            for (int i = 0; i < 20; i++) {
                long id = nextId++;
                for (int q = 0; q < queries; q++) {
                    // few distinct distances, so ties across parts are common
                    float distance = random.nextInt(8);
                    part.offer(q, id, distance);
                    all.offer(q, id, distance);
                }
            }
            parts.add(part);
        }

        Neighbours inOrder = mergeAll(parts, queries, k);
        Collections.reverse(parts);
        Neighbours reversed = mergeAll(parts, queries, k);
        Collections.shuffle(parts, new Random(3));
        Neighbours shuffled = mergeAll(parts, queries, k);

        assertArrayEquals(all.ids(), inOrder.ids());
        assertArrayEquals(all.ids(), reversed.ids());
        assertArrayEquals(all.ids(), shuffled.ids());
    }

    @Test
    void mergeRejectsADifferentShape() {
        Neighbours a = new Neighbours(2, 3, true);
        assertThrows(IllegalArgumentException.class, () -> a.merge(new Neighbours(2, 4, true)));
        assertThrows(IllegalArgumentException.class, () -> a.merge(new Neighbours(3, 3, true)));
    }

    @Test
    void recallCountsTheTrueNeighboursFound() {
        Neighbours truth = neighbours(new long[][] {{1, 2, 3, 4}, {5, 6, 7, 8}});
        Neighbours half = neighbours(new long[][] {{4, 9, 1, 10}, {11, 8, 12, 5}});
        Neighbours same = neighbours(new long[][] {{4, 3, 2, 1}, {8, 7, 6, 5}});
        Neighbours none = neighbours(new long[][] {{20, 21, 22, 23}, {24, 25, 26, 27}});
        Neighbours mixed = neighbours(new long[][] {{1, 2, 3, 4}, {5, 30, 31, 32}});

        assertEquals(0.5, half.recallAgainst(truth), 1e-12);
        assertEquals(1.0, same.recallAgainst(truth), 1e-12);
        assertEquals(0.0, none.recallAgainst(truth), 1e-12);
        assertEquals(0.625, mixed.recallAgainst(truth), 1e-12);
    }

    @Test
    void recallRejectsADifferentQueryCount() {
        Neighbours truth = neighbours(new long[][] {{1}});
        Neighbours found = neighbours(new long[][] {{1}, {2}});
        assertThrows(IllegalArgumentException.class, () -> found.recallAgainst(truth));
    }

    @Test
    void l2KeepsTheSmallestAndInnerProductTheLargestDistances() {
        Neighbours l2 = new Neighbours(1, 2, true);
        Neighbours ip = new Neighbours(1, 2, false);
        float[] distances = {0.5f, -3f, 8f, 2f};
        for (int i = 0; i < distances.length; i++) {
            l2.offer(0, i, distances[i]);
            ip.offer(0, i, distances[i]);
        }

        assertArrayEquals(new long[] {1, 0}, l2.ids());
        assertArrayEquals(new long[] {2, 3}, ip.ids());
        assertEquals(8f, ip.distance(0, 0));
        assertEquals(Float.NEGATIVE_INFINITY, new Neighbours(1, 1, false).distance(0, 0));
    }

    private static Neighbours mergeAll(List<Neighbours> parts, int queries, int k) {
        Neighbours merged = new Neighbours(queries, k, true);
        for (Neighbours part : parts) {
            merged.merge(part);
        }
        return merged;
    }

    /** One row per query, ids in rank order; distances are the ranks. */
    private static Neighbours neighbours(long[][] rows) {
        Neighbours out = new Neighbours(rows.length, rows[0].length, true);
        for (int q = 0; q < rows.length; q++) {
            for (int r = 0; r < rows[q].length; r++) {
                out.offer(q, rows[q][r], r);
            }
        }
        return out;
    }

    @Test
    void recallIgnoresMissingTrueNeighbours() {
        // An index with fewer rows than k: the exact search filled the tail with -1.
        Neighbours found = new Neighbours(1, 4, true);
        found.offer(0, 7, 1f);
        found.offer(0, 9, 2f);
        long[] truth = {7, 8, -1, -1};
        assertEquals(0.5, found.recallAgainst(truth, 4), 1e-12);
    }
}
