package io.vecforge.testing;

import java.util.SplittableRandom;

/** Small random data sets for tests. */
public final class TestVectors {
    private TestVectors() {}

    /** n vectors of dimension d around 16 random centres, seeded. */
    public static float[] clustered(int n, int d, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[][] centres = new float[16][d];
        for (float[] centre : centres) {
            for (int j = 0; j < d; j++) {
                centre[j] = (float) random.nextGaussian() * 4f;
            }
        }
        float[] out = new float[n * d];
        for (int i = 0; i < n; i++) {
            float[] centre = centres[random.nextInt(centres.length)];
            for (int j = 0; j < d; j++) {
                out[i * d + j] = centre[j] + (float) random.nextGaussian();
            }
        }
        return out;
    }
}
