package io.vecforge.writer.train;

import io.vecforge.faiss.FaissIndex;
import io.vecforge.faiss.FaissOutput;
import io.vecforge.faiss.FaissWarnings;
import io.vecforge.faiss.Metric;
import io.vecforge.writer.shard.EmbeddingCursor;
import io.vecforge.writer.shard.InvalidRowException;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.FloatPointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What every trainer does around Faiss's train call: the sample into native memory (never the JVM heap), progress to the log. */
public abstract class NativeTrainer implements Trainer {
    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);

    private Map<String, Long> lastPhases = Map.of();
    private Double lastFit;

    /** Runs Faiss's training of {@code index} on the loaded sample. */
    abstract void train(FaissIndex index, FloatPointer vectors, long rows);

    @Override
    public Map<String, Long> lastPhases() {
        return lastPhases;
    }

    @Override
    public Double lastQuantizerFit() {
        return lastFit;
    }

    /**
     * {@link QuantizerFit}'s measure over the sample still in native memory (normalised already for cosine):
     * in the same batches, so the same Faiss calls, without reading the sample again.
     */
    private static double meanDistance(FaissIndex trained, FloatPointer vectors, long rows, int dimension) {
        int batchRows = QuantizerFit.BATCH;
        float[] batch = new float[batchRows * dimension];
        double sum = 0;
        for (long first = 0; first < rows; first += batchRows) {
            int n = (int) Math.min(batchRows, rows - first);
            float[] slice = n == batchRows ? batch : new float[n * dimension];
            vectors.position(first * dimension).get(slice, 0, n * dimension);
            for (float distance : trained.nearestCentroidDistances(slice, n)) {
                sum += distance;
            }
        }
        vectors.position(0);
        return rows == 0 ? 0 : sum / rows;
    }

    @Override
    public final FaissIndex train(EmbeddingCursor sample, long rows, int dimension, String factory, Metric metric)
            throws IOException {
        long loadStart = System.nanoTime();
        FaissIndex index = FaissIndex.create(dimension, factory, metric);
        try (FloatPointer vectors = new FloatPointer(rows * dimension)) {
            long loaded = load(sample, vectors, rows, dimension, metric.normalizes());
            vectors.position(0);
            if (loaded != rows) {
                throw new IllegalStateException("training sample holds " + loaded + " rows, expected " + rows);
            }
            LOG.info("training '{}' ({}) on {} x {} on the {} with {} OpenMP threads", factory, metric.configName(),
                    rows, dimension, kind().toUpperCase(java.util.Locale.ROOT), FaissIndex.openMpMaxThreads());
            long start = System.nanoTime();
            index.setTrainingVerbose(true);
            TrainingPhases phases = new TrainingPhases(start);
            ProgressLog progressLog = new ProgressLog(LOG, phases);
            long end;
            try (FaissOutput progress = FaissOutput.capture(progressLog::line)) {
                train(index, vectors, rows);
                end = System.nanoTime();
            }
            progressLog.warnings.summary().forEach(line -> LOG.warn("faiss: {}", line));
            lastPhases = new LinkedHashMap<>();
            lastPhases.put("load", (start - loadStart) / 1_000_000);
            lastPhases.putAll(phases.finish(end));
            // the coarse assignment of the residuals phase measured it already where it served the whole sample
            lastFit = index.trainedSampleFit().orElseGet(() -> meanDistance(index, vectors, rows, dimension));
            lastPhases.put("quantizer-fit", (System.nanoTime() - end) / 1_000_000);
            LOG.info("training done in {} ms; phases (ms): {}", (end - start) / 1_000_000, lastPhases);
            return index;
        } catch (IOException | RuntimeException e) {
            index.close();
            throw e;
        }
    }

    /** Faiss's progress lines, logged: those that open a phase always, the rest at most every two seconds. */
    private static final class ProgressLog {
        private final Logger log;
        /** Logged once each, after the training: one line per build, however many codebooks warned. */
        private final FaissWarnings warnings = new FaissWarnings();
        private final TrainingPhases phases;
        private long lastIteration;

        ProgressLog(Logger log, TrainingPhases phases) {
            this.log = log;
            this.phases = phases;
        }

        void line(String line) {
            boolean opensPhase = phases.line(line, System.nanoTime());
            if (warnings.offer(line)) {
                return;
            }
            if (!opensPhase) { // k-means iterations, one clustering per PQ slice: a line every two seconds
                long now = System.nanoTime();
                if (now - lastIteration < 2_000_000_000L) {
                    return;
                }
                lastIteration = now;
            }
            log.info("faiss: {}", line);
        }
    }

    /**
     * Loads the sample into {@code vectors}, each row at the cursor's {@link EmbeddingCursor#position()} (or
     * after the previous one); returns the rows loaded, or rows + 1 when the cursor holds more. Every place must
     * be filled exactly once.
     */
    private static long load(EmbeddingCursor sample, FloatPointer vectors, long rows, int dimension,
            boolean normalize) throws IOException {
        long loaded = 0;
        float[] scratch = new float[dimension];
        java.util.BitSet filled = null;
        while (sample.next()) {
            float[] vector = sample.vector();
            if (vector.length != dimension) {
                throw new InvalidRowException(sample.id(),
                        "vector has " + vector.length + " components, expected " + dimension);
            }
            if (loaded == rows) {
                return loaded + 1;
            }
            long at = sample.position();
            if (at >= 0) {
                if (at >= rows) {
                    throw new IllegalStateException("training sample row " + sample.id() + " is placed at " + at
                            + ", beyond its " + rows + " rows");
                }
                filled = filled == null ? new java.util.BitSet((int) rows) : filled;
                if (filled.get((int) at)) {
                    throw new IllegalStateException("training sample place " + at + " is filled twice (row "
                            + sample.id() + ")");
                }
                filled.set((int) at);
            } else {
                at = loaded;
            }
            System.arraycopy(vector, 0, scratch, 0, dimension);
            if (normalize && !Metric.normalize(scratch, 0, dimension)) {
                throw new InvalidRowException(sample.id(), "zero vector cannot be normalised for cosine");
            }
            vectors.position(at * dimension).put(scratch, 0, dimension);
            loaded++;
        }
        return loaded;
    }
}
