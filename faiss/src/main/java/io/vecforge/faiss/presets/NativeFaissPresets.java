package io.vecforge.faiss.presets;

import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;
import org.bytedeco.javacpp.tools.Info;
import org.bytedeco.javacpp.tools.InfoMap;
import org.bytedeco.javacpp.tools.InfoMapper;

/**
 * JavaCPP preset for vecforge's Faiss facade (src/main/cpp/vecforge_faiss.h).
 *
 * <p>At build time JavaCPP's Parser turns the facade into {@code io.vecforge.faiss.NativeFaiss},
 * and its Builder compiles the JNI library against the static {@code libfaiss.a} that
 * faiss/cppbuild.sh builds from Faiss's pinned source; only OpenBLAS (its OpenMP build) and libgomp
 * stay dynamic. The library is packed in the jar and loaded by
 * {@link org.bytedeco.javacpp.Loader}.
 */
@Properties(
        target = "io.vecforge.faiss.NativeFaiss",
        value = @Platform(
                value = "linux-x86_64",
                compiler = "cpp17",
                include = "vecforge_faiss.h",
                // OpenBLAS is linked by path in faiss/pom.xml (its OpenMP build), not listed here:
                // JavaCPP's Loader would load whichever libopenblas the system default is first.
                link = {"faiss", "gomp"}))
public class NativeFaissPresets implements InfoMapper {
    @Override
    public void map(InfoMap infoMap) {
        infoMap.put(new Info("VECFORGE_FAISS_H").cppTypes().annotations());
        infoMap.put(new Info("openblas_set_num_threads").skip());
    }
}
