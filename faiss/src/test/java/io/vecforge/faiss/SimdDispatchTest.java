package io.vecforge.faiss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class SimdDispatchTest {
    @Test
    void aPinnedLevelIsWhatFaissDispatchesToAndAutoIsTheDetectedOne() {
        SimdDispatch detected = SimdDispatch.current();
        assertFalse(detected.faissLevel().isBlank());
        assertFalse(detected.blasCore().isBlank());
        try {
            assertTrue(SimdDispatch.available("NONE"), "every build has the scalar level");
            assertEquals("NONE", SimdDispatch.pin("none").faissLevel());
            assertEquals(detected.faissLevel(), SimdDispatch.pin("auto").faissLevel(),
                    "auto returns to the level Faiss detected, whatever an earlier build pinned");
            assertEquals("NONE", SimdDispatch.pin("NONE").faissLevel());
            assertEquals(detected.blasCore(), SimdDispatch.current().blasCore(), "OpenBLAS picks its own kernels");
        } finally {
            SimdDispatch.pin(detected.faissLevel());
        }
        assertEquals(detected, SimdDispatch.current());
    }

    @Test
    void aLevelThisCpuCannotRunOrFaissDoesNotKnowIsRefusedBeforeAnyFaissWork() {
        SimdDispatch before = SimdDispatch.current();
        IllegalArgumentException arm = assertThrows(IllegalArgumentException.class, () -> SimdDispatch.pin("ARM_NEON"));
        assertTrue(arm.getMessage().contains("build.simd-level=ARM_NEON is not available on this executor (Faiss detected "
                + before.faissLevel() + ")"), arm.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SimdDispatch.pin("AVX9000"));
        assertEquals(before, SimdDispatch.current(), "a refused pin changes nothing");
    }

    @Test
    void olderOpenBlasKernelsThanTheCpuRunsGetTheBestSetItRunsNamed() {
        // Emerald Rapids under Debian 12's OpenBLAS 0.3.21, measured: Faiss AVX512_SPR, OpenBLAS Prescott
        assertEquals(Optional.of("SkylakeX"), SimdDispatch.betterBlasCore("AVX512_SPR", "Prescott"));
        assertEquals(Optional.of("SkylakeX"), SimdDispatch.betterBlasCore("AVX512", "Haswell"));
        assertEquals(Optional.of("SkylakeX"), SimdDispatch.betterBlasCore("AVX512", "Zen"), "Zen 4 in an old OpenBLAS");
        assertEquals(Optional.of("Haswell"), SimdDispatch.betterBlasCore("AVX2", "Sandybridge"));
        assertEquals(Optional.of("Haswell"), SimdDispatch.betterBlasCore("avx2", "Prescott "));
    }

    @Test
    void kernelsThatFitTheCpuOrALowerPinnedLevelGetNoAdvice() {
        assertEquals(Optional.empty(), SimdDispatch.betterBlasCore("AVX512_SPR", "SapphireRapids"));
        assertEquals(Optional.empty(), SimdDispatch.betterBlasCore("AVX512", "Cooperlake"));
        assertEquals(Optional.empty(), SimdDispatch.betterBlasCore("AVX512", "SkylakeX"));
        assertEquals(Optional.empty(), SimdDispatch.betterBlasCore("AVX2", "Zen"));
        assertEquals(Optional.empty(), SimdDispatch.betterBlasCore("AVX2", "SkylakeX"));
        assertEquals(Optional.empty(), SimdDispatch.betterBlasCore("NONE", "Prescott"), "a CPU without AVX2");
    }
}
