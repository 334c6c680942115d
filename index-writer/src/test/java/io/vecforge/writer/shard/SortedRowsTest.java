package io.vecforge.writer.shard;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SortedRowsTest {
    private static final int DIM = 5;

    @TempDir
    Path dir;

    private record Row(long id, long order, int arrival, float[] vector) {}

    @Test
    void rowsComeOutByIdThenOrderThenArrivalWhetherTheyFitInMemoryOrNot() throws IOException {
        // 1,428 runs at 7 rows a run: merged in groups of 64 first
        for (int runRows : new int[] {20_000, 10_000, 999, 7, 1}) {
            int n = runRows == 1 ? 50 : 10_000;
            // nothing expected: a full run goes to disk whole, the last one stays in memory
            int runs = n > runRows ? (n - 1) / runRows : 0;
            sortAndCheck(randomRows(n, 3), runRows, 0, runs, "runs of " + runRows);
        }
    }

    @Test
    void aRunFullBeforeTheExpectedEndWritesOutOnlyTheOverflow() throws IOException {
        List<Row> rows = randomRows(10_000, 5);
        // 10,000 expected, 6,000 held: one run of the 4,000 still expected, a sixteenth and a 64th of the run more
        SortedRows sorter = sortAndCheck(rows, 6_000, 10_000, 1, "an overflow of 4,000 rows");
        assertEquals(4_000 + 4_000 / 16 + 6_000 / 64, sorter.spilledRows());
        // fewer expected than come: a full run beyond the expected end writes out half of itself
        sorter = sortAndCheck(rows, 3_000, 4_000, 5, "underestimated");
        assertEquals(1_000 + 1_000 / 16 + 3_000 / 64 + 4 * 1_500, sorter.spilledRows());
        // an overflow below an eighth of the run writes out an eighth, so that a long tail makes few runs
        sorter = sortAndCheck(rows, 9_900, 10_000, 1, "an overflow of 100 rows");
        assertEquals(9_900 / 8, sorter.spilledRows());
    }

    @Test
    void aSortOfTheSameSizeTakesTheArraysTheLastOneGaveBack() throws IOException {
        List<Row> rows = randomRows(1_000, 7);
        sortAndCheck(rows, 4_321, 1_000, 0, "first");
        assertTrue(RunBuffers.held() >= 1, "given back on close");
        int held = RunBuffers.held();
        try (SortedRows sorter = new SortedRows(DIM, 4_321, scratch())) {
            assertEquals(held - 1, RunBuffers.held(), "taken again");
        }
        // the arrays still hold the first sort's rows: a smaller sort must see only its own
        sortAndCheck(rows.subList(0, 10), 4_321, 10, 0, "second, smaller");
    }

    /** Sorts the rows through runs of runRows, checks the output and the runs written, returns the closed sort. */
    private SortedRows sortAndCheck(List<Row> rows, int runRows, long expectedRows, int runs, String what)
            throws IOException {
        List<Row> expected = new ArrayList<>(rows);
        expected.sort(Comparator.comparingLong(Row::id).thenComparingLong(Row::order).thenComparingInt(Row::arrival));
        SortedRows sorter = new SortedRows(DIM, runRows, expectedRows, scratch());
        try (sorter) {
            for (Row row : rows) {
                sorter.add(row.id(), row.order(), row.vector());
            }
            assertEquals(rows.size(), sorter.rows());
            EmbeddingCursor sorted = sorter.sorted();
            assertEquals(runs, sorter.spilledRuns(), what);
            for (Row row : expected) {
                assertTrue(sorted.next());
                assertEquals(row.id(), sorted.id(), what);
                assertArrayEquals(row.vector(), sorted.vector(), "row " + row.id() + ", " + what);
            }
            assertFalse(sorted.next());
        }
        try (var left = Files.list(dir)) {
            assertEquals(0, left.count(), "closing deletes the runs");
        }
        return sorter;
    }

    @Test
    void theOrderIsAStableMergeSort() {
        long[] ids = {5, 3, 5, 3, 1, 5};
        long[] orders = {0, 2, 0, 1, 9, -1};
        assertArrayEquals(new int[] {4, 3, 1, 5, 0, 2}, SortedRows.order(ids, orders, 6));
        assertArrayEquals(new int[0], SortedRows.order(new long[0], new long[0], 0));
    }

    @Test
    void misuseIsRefused() throws IOException {
        assertThrows(IllegalArgumentException.class, () -> new SortedRows(0, 10, scratch()));
        assertThrows(IllegalArgumentException.class, () -> new SortedRows(DIM, 0, scratch()));
        try (SortedRows sorter = new SortedRows(DIM, 10, scratch())) {
            assertThrows(IllegalArgumentException.class, () -> sorter.add(1, 0, new float[DIM + 1]));
            sorter.sorted();
            assertThrows(IllegalStateException.class, () -> sorter.add(1, 0, new float[DIM]));
            assertThrows(IllegalStateException.class, sorter::sorted);
        }
        assertEquals(1, SortedRows.runRows(1, DIM), "at least one row a run");
        assertEquals(1_000, SortedRows.runRows(1_000L * (16 + 4 * DIM), DIM));
    }

    private Supplier<Path> scratch() {
        return () -> {
            try {
                return Files.createTempFile(dir, "run-", ".bin");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }

    private static List<Row> randomRows(int n, long seed) {
        Random random = new Random(seed);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float[] vector = new float[DIM];
            for (int j = 0; j < DIM; j++) {
                vector[j] = random.nextFloat();
            }
            // few distinct ids and orders: many rows repeat (id, order), whose arrival order must hold
            rows.add(new Row(random.nextInt(2_000) - 1_000, random.nextInt(3), i, vector));
        }
        return rows;
    }
}
