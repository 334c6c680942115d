package io.vecforge.data;

import java.util.Objects;

/**
 * Deterministic synthetic embeddings: {@code clusters} centres in a low intrinsic dimension,
 * a within-cluster spread, a fixed random projection to {@code dim} dimensions, and small
 * uniform noise. Components have roughly unit variance.
 *
 * <p>Row {@code r}'s vector depends only on (seed, dim, clusters, intrinsic dim, r), so rows may
 * be generated in any order, by any thread or process, and come out bit-identical: each row
 * draws from its own SplitMix64 stream, and only plain float arithmetic (no {@code Math.log} and
 * the like, whose results may vary by platform) is used. Instances are immutable and
 * thread-safe.
 */
public final class SyntheticEmbeddings {
    public static final int DEFAULT_CLUSTERS = 256;
    public static final int DEFAULT_INTRINSIC_DIM = 16;

    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;
    private static final float CENTRE_SCALE = 1.0f;
    private static final float SPREAD = 0.35f;
    private static final float NOISE = 0.05f;

    private final long seed;
    private final int dim;
    private final int clusters;
    private final int intrinsicDim;
    private final long rowKey;
    /** clusters x intrinsicDim, row-major. */
    private final float[] centres;
    /** intrinsicDim x dim, row-major. */
    private final float[] projection;

    public SyntheticEmbeddings(long seed, int dim) {
        this(seed, dim, DEFAULT_CLUSTERS, Math.min(DEFAULT_INTRINSIC_DIM, dim));
    }

    public SyntheticEmbeddings(long seed, int dim, int clusters, int intrinsicDim) {
        if (dim <= 0) {
            throw new IllegalArgumentException("dim must be positive, got " + dim);
        }
        if (clusters <= 0) {
            throw new IllegalArgumentException("clusters must be positive, got " + clusters);
        }
        if (intrinsicDim <= 0 || intrinsicDim > dim) {
            throw new IllegalArgumentException(
                    "intrinsicDim must be in [1, dim=" + dim + "], got " + intrinsicDim);
        }
        this.seed = seed;
        this.dim = dim;
        this.clusters = clusters;
        this.intrinsicDim = intrinsicDim;
        this.rowKey = mix64(seed ^ 0x5DEECE66DL);

        long state = mix64(seed);
        centres = new float[clusters * intrinsicDim];
        for (int i = 0; i < centres.length; i++) {
            state += GOLDEN_GAMMA;
            centres[i] = CENTRE_SCALE * gaussianish(mix64(state));
        }
        projection = new float[intrinsicDim * dim];
        float projectionScale = (float) (1.0 / Math.sqrt(intrinsicDim * (1.0 + SPREAD * SPREAD)));
        for (int i = 0; i < projection.length; i++) {
            state += GOLDEN_GAMMA;
            projection[i] = projectionScale * gaussianish(mix64(state));
        }
    }

    public long seed() {
        return seed;
    }

    public int dim() {
        return dim;
    }

    public int clusters() {
        return clusters;
    }

    public int intrinsicDim() {
        return intrinsicDim;
    }

    /** Writes row {@code row}'s vector into {@code out[offset .. offset + dim)}. */
    public void fill(long row, float[] out, int offset) {
        Objects.checkFromIndexSize(offset, dim, out.length);
        long state = mix64(rowKey + row * GOLDEN_GAMMA);

        state += GOLDEN_GAMMA;
        int cluster = (int) (((mix64(state) >>> 32) * clusters) >>> 32);

        for (int j = 0; j < dim; j += 2) {
            state += GOLDEN_GAMMA;
            long bits = mix64(state);
            out[offset + j] = uniformNoise((int) bits);
            if (j + 1 < dim) {
                out[offset + j + 1] = uniformNoise((int) (bits >>> 32));
            }
        }

        int centre = cluster * intrinsicDim;
        for (int k = 0; k < intrinsicDim; k++) {
            state += GOLDEN_GAMMA;
            float latent = centres[centre + k] + SPREAD * gaussianish(mix64(state));
            int p = k * dim;
            for (int j = 0; j < dim; j++) {
                out[offset + j] += latent * projection[p + j];
            }
        }
    }

    public float[] vector(long row) {
        float[] out = new float[dim];
        fill(row, out, 0);
        return out;
    }

    private static float uniformNoise(int bits) {
        return bits * (NOISE * 0x1p-31f);
    }

    /** Approximately N(0, 1): the centred, scaled sum of four 16-bit uniforms (Irwin-Hall). */
    private static float gaussianish(long bits) {
        long sum = (bits & 0xFFFF) + ((bits >>> 16) & 0xFFFF) + ((bits >>> 32) & 0xFFFF) + (bits >>> 48);
        return (sum - 4 * 32767.5f) * (1.7320508f / 65536f);
    }

    /** SplitMix64's finaliser, a bijection on 64-bit values. */
    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
