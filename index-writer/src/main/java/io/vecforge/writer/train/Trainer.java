package io.vecforge.writer.train;

import io.vecforge.faiss.FaissIndex;
import io.vecforge.faiss.Metric;
import io.vecforge.writer.shard.EmbeddingCursor;
import java.io.IOException;
import java.util.Map;

/**
 * Trains an empty Faiss index on a training sample. The training task chooses one implementation
 * once: {@link CpuTrainer}, or {@link GpuTrainer} when it has a usable GPU.
 */
public interface Trainer {
    /** "cpu" or "gpu". */
    String kind();

    /**
     * @param sample the training rows, in a deterministic order; closed by the caller
     * @param rows how many rows the sample holds (the native buffer is sized from it)
     * @return the trained, empty index; the caller owns it
     */
    FaissIndex train(EmbeddingCursor sample, long rows, int dimension, String factory, Metric metric)
            throws IOException;

    /**
     * How long the last {@link #train} spent in each phase (ms, in the order they ran): "load" (the sample
     * into native memory), then Faiss's own phases ({@link TrainingPhases}), then "quantizer-fit"; empty if
     * unknown.
     */
    default Map<String, Long> lastPhases() {
        return Map.of();
    }

    /** {@link QuantizerFit#meanDistance} of the last sample under the index it trained; null if not measured. */
    default Double lastQuantizerFit() {
        return null;
    }
}
