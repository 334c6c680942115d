package io.vecforge.writer.train;

import io.vecforge.faiss.FaissIndex;
import io.vecforge.faiss.KmeansAssigner;
import org.bytedeco.javacpp.FloatPointer;

/**
 * Faiss's own training on the CPU, with the OpenMP threads the task set. An IVFPQ index with small PQ sub-spaces
 * trains its codebooks through {@link KmeansAssigner#cpu()}: Faiss's fused nearest-centroid kernel at any sample
 * size, where Faiss itself would fall back to per-pair distances below 128,000 rows x dimensions.
 */
public final class CpuTrainer extends NativeTrainer {
    @Override
    public String kind() {
        return "cpu";
    }

    @Override
    void train(FaissIndex index, FloatPointer vectors, long rows) {
        int subDimension = index.isIvf() ? index.pqSubDimension() : 0;
        if (subDimension == 0 || subDimension > KmeansAssigner.fusedMaxDimension()) {
            index.train(vectors, rows);
            return;
        }
        try (KmeansAssigner assigner = KmeansAssigner.cpu()) {
            index.train(vectors, rows, assigner);
        }
    }
}
