package io.vecforge.writer.train;

import io.vecforge.faiss.FaissIndex;
import org.bytedeco.javacpp.FloatPointer;

/** Faiss's own training on the CPU, with the OpenMP threads the task set. */
public final class CpuTrainer extends NativeTrainer {
    @Override
    public String kind() {
        return "cpu";
    }

    @Override
    void train(FaissIndex index, FloatPointer vectors, long rows) {
        index.train(vectors, rows);
    }
}
