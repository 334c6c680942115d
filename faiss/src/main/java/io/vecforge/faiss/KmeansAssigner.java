package io.vecforge.faiss;

import io.vecforge.faiss.NativeFaiss.NativeKmeansAssigner;

/**
 * Answers the nearest-centroid searches of Faiss's k-means while an index trains
 * ({@link FaissIndex#train(org.bytedeco.javacpp.FloatPointer, long, KmeansAssigner)}): on a GPU, or on
 * the CPU through Faiss's own flat index (a stand-in that trains exactly as Faiss's default does).
 * Owns its native peer; {@link #close()} frees it at once.
 */
public final class KmeansAssigner implements AutoCloseable {
    private NativeKmeansAssigner peer;

    private KmeansAssigner(NativeKmeansAssigner peer) {
        this.peer = peer;
    }

    /** Faiss's IndexFlat behind the plug-in point: the CPU reference of the GPU path. */
    public static KmeansAssigner cpuStandIn() {
        FaissIndex.loadNativeLibrary();
        return new KmeansAssigner(NativeKmeansAssigner.cpuStandIn());
    }

    /**
     * The CPU trainer's: as {@link #cpuStandIn()}, except that the k-means of small L2 sub-spaces (PQ codebooks of
     * at most {@link #fusedMaxDimension()} dimensions, 16) runs Faiss's fused distance-and-argmin kernel at any
     * sample size. Faiss's own flat search takes that kernel only when rows x dimension reach 128,000, and below
     * it one distance call per (row, centroid) pair: {@code PQ64} over 128 dimensions (sub-spaces of 2) at 32,768
     * rows trained its codebooks in 24.7 s that way, in 2.8 s through the fused kernel. At or over 128,000
     * training is byte-identical to Faiss's; below, equal up to ties in rounding. Sub-spaces of 2, 4 and 8
     * dimensions go through vecforge's copy of that kernel ({@link #nearestCentroidSearches()}): the same answers.
     */
    public static KmeansAssigner cpu() {
        FaissIndex.loadNativeLibrary();
        return new KmeansAssigner(NativeKmeansAssigner.cpu());
    }

    /** The largest sub-space dimension whose k-means {@link #cpu()} runs through Faiss's fused kernel (the native side's). */
    public static int fusedMaxDimension() {
        FaissIndex.loadNativeLibrary();
        return NativeKmeansAssigner.fusedMaxDimension();
    }

    /**
     * GPU {@code device} (a CUDA ordinal).
     *
     * @throws GpuUnavailableException when there is no such usable GPU, with the reason
     */
    public static KmeansAssigner gpu(int device) {
        String library = GpuLibrary.path().toString();
        if (!GpuLibrary.hasDeviceNode()) { // CUDA would blame the driver; the plain reason is the missing device
            throw new GpuUnavailableException("no usable GPU: " + GpuLibrary.NO_DEVICE, null);
        }
        try {
            return new KmeansAssigner(NativeKmeansAssigner.gpu(library, device));
        } catch (RuntimeException e) {
            throw new GpuUnavailableException(e.getMessage(), e);
        }
    }

    /** k = 1 searches answered so far (one per k-means iteration of each quantizer trained). */
    public long searches() {
        return live().searches();
    }

    /** Vectors assigned by those searches. */
    public long searchedVectors() {
        return live().searchedVectors();
    }

    /**
     * Training vectors assigned to inverted lists through this assigner (IndexIVF's assignment of its sample
     * before the residuals; exact coarse quantizers only).
     */
    public long listAssignedVectors() {
        return live().listAssignedVectors();
    }

    /**
     * Of the {@link #searches()}, those vecforge's own nearest-centroid kernel answered ({@link #cpu()}: sub-spaces
     * of 2, 4 or 8 dimensions at Faiss's AVX2 and AVX512 levels): Faiss's fused kernel's arithmetic and
     * answers, with the merge of its lanes vectorised.
     */
    public long nearestCentroidSearches() {
        return live().nearestCentroidSearches();
    }

    NativeKmeansAssigner live() {
        if (peer == null) {
            throw new IllegalStateException("k-means assigner is closed");
        }
        return peer;
    }

    @Override
    public void close() {
        if (peer != null) {
            NativeKmeansAssigner.destroy(peer);
            peer = null;
        }
    }
}
