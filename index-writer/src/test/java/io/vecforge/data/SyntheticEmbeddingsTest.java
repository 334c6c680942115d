package io.vecforge.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SyntheticEmbeddingsTest {
    @Test
    void rowDependsOnlyOnSeedDimAndRow() {
        int n = 2_000;
        int dim = 24;
        SyntheticEmbeddings forward = new SyntheticEmbeddings(7, dim);
        float[] expected = new float[n * dim];
        for (int row = 0; row < n; row++) {
            forward.fill(row, expected, row * dim);
        }

        SyntheticEmbeddings other = new SyntheticEmbeddings(7, dim);
        other.vector(123_456_789L);
        for (int row = n - 1; row >= 0; row--) {
            assertArrayEquals(Arrays.copyOfRange(expected, row * dim, (row + 1) * dim), other.vector(row),
                    "row " + row);
        }
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < 200; i++) {
            int row = random.nextInt(n);
            float[] out = new float[dim + 5];
            other.fill(row, out, 3);
            assertArrayEquals(Arrays.copyOfRange(expected, row * dim, (row + 1) * dim),
                    Arrays.copyOfRange(out, 3, 3 + dim));
        }
    }

    @Test
    void generationIsPinned() {
        // Data sets are regenerated from (seed, dim) elsewhere: a change here changes all of them.
        float[] expected = {-0.58146614f, -1.0028577f, 0.42274684f, -0.28942192f, -0.2207038f,
            0.4802987f, -0.120974936f, -0.91397965f};
        assertArrayEquals(expected, new SyntheticEmbeddings(42, 8).vector(1_000_003));
    }

    @Test
    void differentSeedsDiffer() {
        SyntheticEmbeddings a = new SyntheticEmbeddings(1, 32);
        SyntheticEmbeddings b = new SyntheticEmbeddings(2, 32);
        for (long row = 0; row < 100; row++) {
            assertFalse(Arrays.equals(a.vector(row), b.vector(row)), "row " + row);
        }
    }

    @Test
    void vectorsAreDistinctAndRoughlyUnitScaled() {
        int n = 50_000;
        int dim = 16;
        SyntheticEmbeddings embeddings = new SyntheticEmbeddings(3, dim);
        Set<FloatBuffer> seen = new HashSet<>();
        double sumOfSquares = 0;
        for (long row = 0; row < n; row++) {
            float[] v = embeddings.vector(row);
            assertTrue(seen.add(FloatBuffer.wrap(v)), "duplicate vector at row " + row);
            for (float x : v) {
                assertTrue(Float.isFinite(x));
                sumOfSquares += x * x;
            }
        }
        double meanSquare = sumOfSquares / ((double) n * dim);
        assertTrue(meanSquare > 0.5 && meanSquare < 2.0, "mean square " + meanSquare);
    }

    @Test
    void rowsFallIntoClusters() {
        // Rows of one cluster share a centre: the nearest other row is much closer than a typical row.
        int n = 4_000;
        int dim = 32;
        SyntheticEmbeddings embeddings = new SyntheticEmbeddings(5, dim, 8, 4);
        float[][] rows = new float[n][];
        for (int i = 0; i < n; i++) {
            rows[i] = embeddings.vector(i);
        }
        double nearest = 0;
        double typical = 0;
        for (int i = 0; i < 50; i++) {
            double best = Double.MAX_VALUE;
            for (int j = 0; j < n; j++) {
                if (j != i) {
                    best = Math.min(best, distance(rows[i], rows[j]));
                }
            }
            nearest += best;
            typical += distance(rows[i], rows[n - 1 - i]);
        }
        assertTrue(nearest * 4 < typical, "nearest " + nearest + ", typical " + typical);
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> new SyntheticEmbeddings(1, 0));
        assertThrows(IllegalArgumentException.class, () -> new SyntheticEmbeddings(1, 8, 0, 4));
        assertThrows(IllegalArgumentException.class, () -> new SyntheticEmbeddings(1, 8, 4, 9));
        assertThrows(IndexOutOfBoundsException.class,
                () -> new SyntheticEmbeddings(1, 8).fill(0, new float[10], 3));
        assertEquals(4, new SyntheticEmbeddings(1, 4).intrinsicDim());
    }

    private static double distance(float[] a, float[] b) {
        double sum = 0;
        for (int k = 0; k < a.length; k++) {
            double diff = a[k] - b[k];
            sum += diff * diff;
        }
        return Math.sqrt(sum);
    }
}
