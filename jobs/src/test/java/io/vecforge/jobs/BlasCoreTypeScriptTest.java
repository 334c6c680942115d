package io.vecforge.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** scripts/blas-coretype.sh, which scripts/vecforge sources: OpenBLAS's kernels from a cpuinfo's flags. */
class BlasCoreTypeScriptTest {
    private static final Path SCRIPT = Path.of("..", "scripts", "blas-coretype.sh").toAbsolutePath().normalize();
    private static final String AVX2 = "fpu sse sse2 ssse3 sse4_1 sse4_2 fma avx avx2 f16c";
    /** The flags of the Emerald Rapids machine whose OpenBLAS fell back to Prescott, in part. */
    private static final String AVX512 = AVX2 + " avx512f avx512dq avx512cd avx512bw avx512vl avx512_vnni amx_tile";

    @TempDir
    Path dir;

    @Test
    void anAvx512CpuGetsSkylakeXAndAnAvx2OneHaswell() throws Exception {
        assertEquals("SkylakeX", coreType(AVX512, null));
        assertEquals("Haswell", coreType(AVX2, null));
        assertEquals("Haswell", coreType(AVX2 + " avx512f", null), "AVX-512 Foundation alone is not SkylakeX's set");
    }

    @Test
    void aCpuWithoutAvx2IsLeftToOpenBlasAndAChoiceOfTheUsersStands() throws Exception {
        assertEquals("(unset)", coreType("fpu sse sse2 ssse3 avx", null));
        assertEquals("(unset)", coreType("fpu sse sse2 avx2x fmax", null), "flags match whole words only");
        assertEquals("Zen", coreType(AVX512, "Zen"));
    }

    /** What OPENBLAS_CORETYPE is after sourcing the script on a cpuinfo with these flags. */
    private String coreType(String flags, String preset) throws Exception {
        Path cpuinfo = dir.resolve("cpuinfo");
        Files.writeString(cpuinfo, "processor\t: 0\nmodel\t\t: 207\nflags\t\t: " + flags + "\n\nprocessor\t: 1\n");
        ProcessBuilder builder = new ProcessBuilder(List.of("bash", "-c",
                "set -euo pipefail; source \"$1\"; echo \"${OPENBLAS_CORETYPE:-(unset)}\"", "bash", SCRIPT.toString()))
                .redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        env.remove("OPENBLAS_CORETYPE");
        env.put("VECFORGE_CPUINFO", cpuinfo.toString());
        if (preset != null) {
            env.put("OPENBLAS_CORETYPE", preset);
        }
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes()).trim();
        process.waitFor(30, TimeUnit.SECONDS);
        assertEquals(0, process.exitValue(), out);
        return out;
    }
}
