package io.vecforge.faiss;

import io.vecforge.faiss.NativeFaiss.NativeKmeansAssigner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.Loader;

/**
 * libvecforge_gpu.so, built by nvcc at build time and packed beside the JNI library; the JNI library
 * opens it with dlopen, so machines without CUDA load vecforge as usual and the probe says why there
 * is no GPU.
 */
public final class GpuLibrary {
    static final String RESOURCE = "linux-x86_64/libvecforge_gpu.so";
    private static Probe probe;

    /**
     * What the probe found.
     *
     * @param devices usable GPUs (0 when none)
     * @param reason why none is usable (empty when some are)
     * @param names each device's name, memory and compute capability
     */
    public record Probe(int devices, String reason, List<String> names) {
        public boolean available() {
            return devices > 0;
        }
    }

    private GpuLibrary() {}

    /** The library file, extracted from the jar into JavaCPP's cache. */
    public static synchronized Path path() {
        FaissIndex.loadNativeLibrary();
        try {
            return Loader.cacheResource(GpuLibrary.class, RESOURCE).toPath();
        } catch (IOException | RuntimeException e) {
            throw new GpuUnavailableException("the GPU library " + RESOURCE + " is not in this vecforge build: " + e, e);
        }
    }

    /** Probes once per JVM: CUDA driver, devices, cuBLAS. */
    public static synchronized Probe probe() {
        if (probe == null) {
            probe = probeNow();
        }
        return probe;
    }

    private static Probe probeNow() {
        String library;
        try {
            library = path().toString();
        } catch (GpuUnavailableException e) {
            return new Probe(0, e.getMessage(), List.of());
        }
        byte[] text = new byte[512];
        int devices;
        try {
            devices = NativeKmeansAssigner.gpuCount(library, text, text.length);
        } catch (RuntimeException e) { // dlopen failed: the reason is the answer, not an error
            return new Probe(0, hasDeviceNode() ? e.getMessage() : NO_DEVICE, List.of());
        }
        if (devices <= 0) {
            // without a device node the CUDA runtime blames the driver; the plain reason is the missing device
            return new Probe(0, hasDeviceNode() ? cString(text) : NO_DEVICE, List.of());
        }
        List<String> names = new ArrayList<>();
        for (int device = 0; device < devices; device++) {
            java.util.Arrays.fill(text, (byte) 0);
            NativeKmeansAssigner.gpuName(library, device, text, text.length);
            names.add(cString(text));
        }
        return new Probe(devices, "", List.copyOf(names));
    }

    /** The reason on a machine without an NVIDIA device node (/dev/nvidia0, …). */
    public static final String NO_DEVICE = "no GPU device on this machine (no /dev/nvidia[0-9]*)";

    /** Whether the kernel exposes an NVIDIA GPU here: /dev/nvidia0, /dev/nvidia1, … */
    public static boolean hasDeviceNode() {
        java.io.File[] nodes = new java.io.File("/dev").listFiles((dir, name) -> name.matches("nvidia[0-9]+"));
        return nodes != null && nodes.length > 0;
    }

    private static String cString(byte[] text) {
        int end = 0;
        while (end < text.length && text[end] != 0) {
            end++;
        }
        return new String(text, 0, end, StandardCharsets.UTF_8);
    }
}
