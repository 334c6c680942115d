package io.vecforge.faiss;

import io.vecforge.faiss.NativeFaiss.NativeIndex;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
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

    /** OpenBLAS kernel sets with AVX2 sgemm kernels, and those of them with AVX-512 ones (OpenBLAS's names). */
    private static final Set<String> AVX2_CORES = Set.of("haswell", "zen", "skylakex", "cooperlake", "sapphirerapids");
    private static final Set<String> AVX512_CORES = Set.of("skylakex", "cooperlake", "sapphirerapids");

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

    /**
     * A warning when OpenBLAS runs older kernels than this CPU has: it picks them from the CPU's family and model,
     * and a model newer than it knows (Debian 12's 0.3.21 on Emerald Rapids, or a hypervisor's made-up model) gets
     * its SSE3 {@code Prescott} set, whose sgemm (k-means, coarse assignment) is several times slower. Faiss's own
     * detection, from the CPU's feature flags, tells what the CPU runs. Empty when the kernels fit the CPU or
     * {@code OPENBLAS_CORETYPE} chose them.
     */
    public static Optional<String> blasAdvice() {
        if (System.getenv("OPENBLAS_CORETYPE") != null) {
            return Optional.empty();
        }
        String blasCore = current().blasCore();
        return betterBlasCore(DETECTED, blasCore).map(core -> "OpenBLAS runs its " + blasCore
                + " kernels on a CPU that runs " + DETECTED + " (OpenBLAS does not know this CPU model): its sgemm, "
                + "which k-means and the coarse assignment run on, is far slower than it could be (a 1M x 128 build on "
                + "Emerald Rapids trained in 1.7x and added in 1.8x the time). Set "
                + "OPENBLAS_CORETYPE=" + core + " in the environment of every JVM that runs Faiss (on a cluster: "
                + "spark.executorEnv.OPENBLAS_CORETYPE=" + core + "; scripts/vecforge sets it for local work)");
    }

    /**
     * The OpenBLAS kernel set to ask for where {@code blasCore} falls short of a CPU on which Faiss detected
     * {@code faissLevel}: SkylakeX for AVX-512, Haswell for AVX2; empty where it does not fall short.
     */
    static Optional<String> betterBlasCore(String faissLevel, String blasCore) {
        String core = blasCore.trim().toLowerCase(Locale.ROOT);
        String level = normalise(faissLevel);
        if (level.startsWith("AVX512") && !AVX512_CORES.contains(core)) {
            return Optional.of("SkylakeX");
        }
        if (level.equals("AVX2") && !AVX2_CORES.contains(core)) {
            return Optional.of("Haswell");
        }
        return Optional.empty();
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
