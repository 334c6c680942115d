package io.vecforge.faiss;

import org.bytedeco.javacpp.FloatPointer;

/**
 * Checks vectors and ids before they reach Faiss, which aborts the process or silently produces
 * unfindable entries on values it does not expect: every component finite, and every squared L2
 * norm below {@link FaissIndex#MAX_SQUARED_NORM} (so no distance between two vectors overflows a float);
 * ids not negative (Faiss reports "no result" as -1).
 */
final class VectorGuard {
    private static final int CHUNK = 1 << 16;

    private VectorGuard() {}

    static void checkVectors(float[] vectors, long n, int d) {
        for (long i = 0; i < n; i++) {
            checkVector(vectors, (int) (i * d), d, i);
        }
    }

    static void checkVectors(FloatPointer vectors, long n, int d) {
        float[] chunk = new float[Math.max(d, (CHUNK / d) * d)];
        int perChunk = chunk.length / d;
        for (long first = 0; first < n; first += perChunk) {
            int count = (int) Math.min(perChunk, n - first);
            vectors.position(first * d).get(chunk, 0, count * d);
            for (int i = 0; i < count; i++) {
                checkVector(chunk, i * d, d, first + i);
            }
        }
        vectors.position(0);
    }

    static void checkIds(long[] ids, int n) {
        for (int i = 0; i < n; i++) {
            if (ids[i] < 0) {
                throw new IllegalArgumentException("id " + ids[i] + " (vector " + i + ") is negative: Faiss reserves"
                        + " negative ids (-1 means no result)");
            }
        }
    }

    private static void checkVector(float[] vectors, int offset, int d, long index) {
        double squaredNorm = VectorNorms.squaredNorm(vectors, offset, d);
        if (squaredNorm < FaissIndex.MAX_SQUARED_NORM) {
            return;
        }
        int bad = VectorNorms.firstNonFinite(vectors, offset, d);
        if (bad >= 0) {
            throw new IllegalArgumentException("vector " + index + " component " + bad + " is " + vectors[offset + bad]
                    + ": Faiss needs finite values");
        }
        throw new IllegalArgumentException("vector " + index + " has squared L2 norm " + squaredNorm
                + ", at or above " + FaissIndex.MAX_SQUARED_NORM + ": its distances would overflow a float");
    }
}
