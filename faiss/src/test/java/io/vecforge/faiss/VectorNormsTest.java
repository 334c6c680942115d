package io.vecforge.faiss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class VectorNormsTest {
    @Test
    void theNormIsFiniteExactlyWhenEveryComponentIsAndNamesTheFirstThatIsNot() {
        Random random = new Random(11);
        float[] specials = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        for (int d : new int[] {1, 3, 4, 7, 128, 129}) {
            float[] v = new float[d + 2]; // an offset of 1 and a component past the end, both ignored
            for (int j = 0; j < v.length; j++) {
                v[j] = Float.MAX_VALUE * (random.nextBoolean() ? 1 : -1); // squares overflow a float, not a double
            }
            v[0] = Float.NaN;
            v[d + 1] = Float.NaN;
            assertTrue(Double.isFinite(VectorNorms.squaredNorm(v, 1, d)), "d=" + d);
            assertEquals(-1, VectorNorms.firstNonFinite(v, 1, d));
            for (float special : specials) {
                int at = random.nextInt(d);
                float kept = v[1 + at];
                v[1 + at] = special;
                assertFalse(Double.isFinite(VectorNorms.squaredNorm(v, 1, d)), special + " at " + at);
                assertEquals(at, VectorNorms.firstNonFinite(v, 1, d));
                v[1 + at] = kept;
            }
        }
    }

    @Test
    void theNormIsTheSumOfSquaresAndZeroOnlyForTheZeroVector() {
        assertEquals(0.0, VectorNorms.squaredNorm(new float[] {0f, -0f, 0f, 0f, 0f}, 0, 5));
        float tiniest = Float.MIN_VALUE;
        assertTrue(VectorNorms.squaredNorm(new float[] {0f, 0f, 0f, 0f, tiniest}, 0, 5) > 0);
        assertEquals(1 + 4 + 9 + 16 + 25, VectorNorms.squaredNorm(new float[] {1, -2, 3, -4, 5}, 0, 5));
    }
}
