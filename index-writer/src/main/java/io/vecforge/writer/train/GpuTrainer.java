package io.vecforge.writer.train;

import io.vecforge.faiss.FaissIndex;
import io.vecforge.faiss.GpuUnavailableException;
import io.vecforge.faiss.KmeansAssigner;
import java.util.function.Supplier;
import org.bytedeco.javacpp.FloatPointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Faiss's training with every k-means assignment (coarse quantizer and PQ codebooks) answered on a
 * GPU; the rest of Faiss's k-means (sampling, seeds, centroid updates) runs unchanged on the CPU.
 */
public final class GpuTrainer extends NativeTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(GpuTrainer.class);

    private final Supplier<KmeansAssigner> assigners;

    /** On CUDA device {@code device}; a missing or unusable GPU fails training with GpuUnavailableException. */
    public GpuTrainer(int device) {
        this(() -> KmeansAssigner.gpu(device));
    }

    /** Any assigner, e.g. {@link KmeansAssigner#cpuStandIn()} to check this path without a GPU. */
    GpuTrainer(Supplier<KmeansAssigner> assigners) {
        this.assigners = assigners;
    }

    @Override
    public String kind() {
        return "gpu";
    }

    @Override
    void train(FaissIndex index, FloatPointer vectors, long rows) {
        try (KmeansAssigner assigner = assigners.get()) {
            try {
                index.train(vectors, rows, assigner);
            } catch (RuntimeException e) {
                // CUDA errors surface from inside Faiss's k-means as its exception: name the GPU as the cause
                throw new GpuUnavailableException("training on the GPU failed: " + e.getMessage(), e);
            }
            LOG.info("k-means assignment: {} searches, {} vectors assigned ({} of them the sample's to lists)",
                    assigner.searches(), assigner.searchedVectors(), assigner.listAssignedVectors());
        }
    }
}
