package io.vecforge.faiss;

import io.vecforge.faiss.NativeFaiss.NativeIndex;
import java.util.Locale;
import org.bytedeco.javacpp.Loader;

/**
 * The kernels this process computes with: the SIMD level Faiss dispatches to (its {@code dd} build
 * picks one at run time from the CPU) and the OpenBLAS kernel set (picked from the CPU too). Both
 * decide rounding, so both go into the manifest for every task that trains or builds a shard.
 */
public record SimdDispatch(String faissLevel, String blasCore) implements java.io.Serializable {
    static {
        Loader.load(NativeFaiss.class);
    }

    /** {@code build.simd-level=auto}: Faiss's own choice for this CPU. */
    public static final String AUTO = "auto";

    /**
     * The level Faiss chose when this process loaded it (from the CPU, or FAISS_SIMD_LEVEL), before
     * any pin: what {@code auto} returns to, so a build's level never depends on an earlier build
     * that ran in the same JVM.
     */
    private static final String DETECTED = NativeIndex.simdLevel().getString();

    public static SimdDispatch current() {
        return new SimdDispatch(NativeIndex.simdLevel().getString(), NativeIndex.blasCore().getString().trim());
    }

    /** "OpenMP" when the OpenBLAS loaded is its OpenMP build (the one vecforge links), else "pthreads". */
    public static String blasThreading() {
        return NativeIndex.blasOpenMp() ? "OpenMP" : "pthreads";
    }

    /** Whether this CPU and this Faiss build can run {@code level} (NONE, AVX2, AVX512, AVX512_SPR). */
    public static boolean available(String level) {
        return NativeIndex.simdLevelAvailable(normalise(level));
    }

    /**
     * Pins Faiss's SIMD level for the whole process ({@code auto}: the level Faiss detected). Throws
     * IllegalArgumentException naming the level and the CPU's when this machine cannot run it, so the
     * caller fails the task before any Faiss work.
     */
    public static SimdDispatch pin(String level) {
        boolean auto = level == null || level.isBlank() || AUTO.equalsIgnoreCase(level.trim());
        String name = auto ? DETECTED : normalise(level);
        if (!NativeIndex.simdLevelAvailable(name)) {
            throw new IllegalArgumentException("build.simd-level=" + level + " is not available on this executor (Faiss "
                    + "detected " + DETECTED + "); pin a level every executor has");
        }
        NativeIndex.setSimdLevel(name);
        return current();
    }

    private static String normalise(String level) {
        return level.trim().toUpperCase(Locale.ROOT);
    }

    /** "AVX2 / Haswell": how the manifest and the log name it. */
    @Override
    public String toString() {
        return faissLevel + " / " + blasCore;
    }
}
