import io.vecforge.faiss.FaissIndex;
import io.vecforge.faiss.GpuLibrary;
import io.vecforge.faiss.KmeansAssigner;
import io.vecforge.faiss.Metric;
import io.vecforge.faiss.SearchResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * The Java side of scripts/gpu-check.sh: vecforge's own jar on a GPU machine. The probe, the GPU library
 * extracted from the jar, and a training through the JNI library's plug-in point (the path GpuTrainer takes
 * inside the training task) on the GPU and through the CPU stand-in, on the same sample: both trained indexes
 * must be written, read back and give recall@10 within 0.005 of each other.
 *
 *   java -cp vecforge-faiss.jar:javacpp.jar:. GpuTrainCheck [--stand-in] [rows]
 * --stand-in: the CPU stand-in in place of the GPU too (checks this program on a machine without a GPU).
 * Exit status 0 when every check passes, 3 when the probe finds no GPU.
 */
public final class GpuTrainCheck {
    private static final int D = 128;
    private static final String FACTORY = "IVF1024,PQ32np";

    public static void main(String[] args) throws Exception {
        boolean standIn = args.length > 0 && args[0].equals("--stand-in");
        int rows = args.length > (standIn ? 1 : 0) ? Integer.parseInt(args[args.length - 1]) : 200_000;
        GpuLibrary.Probe probe = GpuLibrary.probe();
        System.out.printf("java: Faiss %s, GPU library %s (%d bytes)%n", FaissIndex.faissVersion(), GpuLibrary.path(),
                Files.size(GpuLibrary.path()));
        if (standIn) {
            System.out.println("java: stand-in: Faiss's IndexFlat in place of the GPU (checks this program, not a GPU)");
        } else if (!probe.available()) {
            System.out.println("java: no usable GPU: " + probe.reason());
            System.exit(3);
        } else {
            System.out.println("java: probe found " + probe.devices() + " GPU(s): " + probe.names());
        }
        float[] base = clustered(rows, 1);
        float[] queries = clustered(1000, 2);
        int sample = 65_536;
        SearchResult truth;
        try (FaissIndex exact = FaissIndex.create(D, "Flat", Metric.L2)) {
            exact.add(base, rows);
            truth = exact.search(queries, 1000, 10);
        }
        double[] recall = new double[2];
        double[] seconds = new double[2];
        for (int gpu = 1; gpu >= 0; gpu--) {
            Path file = Files.createTempFile("gpu-train-check", ".faiss");
            try (FaissIndex index = FaissIndex.create(D, FACTORY, Metric.L2);
                 KmeansAssigner assigner = gpu == 1 && !standIn ? KmeansAssigner.gpu(0)
                         : KmeansAssigner.cpuStandIn();
                 org.bytedeco.javacpp.FloatPointer vectors = new org.bytedeco.javacpp.FloatPointer((long) sample * D)) {
                vectors.put(base, 0, sample * D);
                long start = System.nanoTime();
                index.train(vectors, sample, assigner);
                seconds[gpu] = (System.nanoTime() - start) / 1e9;
                System.out.printf("java: %s training %.2f s, %d assignment searches, %d sample vectors assigned to "
                        + "lists%n", gpu == 1 ? (standIn ? "stand-in" : "GPU") : "CPU", seconds[gpu],
                        assigner.searches(), assigner.listAssignedVectors());
                index.write(file);
            }
            try (FaissIndex read = FaissIndex.read(file)) {
                read.add(base, rows);
                read.setNprobe(16);
                recall[gpu] = recallAt10(read.search(queries, 1000, 10), truth);
            } finally {
                Files.deleteIfExists(file);
            }
        }
        boolean ok = Math.abs(recall[1] - recall[0]) <= 0.005 && recall[1] > 0.5;
        System.out.printf("RESULT java_train_seconds_cpu=%.3f java_train_seconds_gpu=%.3f recall_cpu=%.4f "
                + "recall_gpu=%.4f %s%n", seconds[0], seconds[1], recall[0], recall[1], ok ? "ok" : "FAILED");
        System.exit(ok ? 0 : 1);
    }

    private static double recallAt10(SearchResult found, SearchResult truth) {
        long hits = 0;
        for (int q = 0; q < 1000; q++) {
            for (int i = 0; i < 10; i++) {
                for (int j = 0; j < 10; j++) {
                    if (found.labels()[q * 10 + i] == truth.labels()[q * 10 + j]) {
                        hits++;
                        break;
                    }
                }
            }
        }
        return hits / 10_000.0;
    }

    /** 256 Gaussian clusters in a 16-dimensional subspace, like the project's benchmarks. */
    private static float[] clustered(int n, long seed) {
        Random random = new Random(seed);
        int clusters = 256, intrinsic = 16;
        float[] basis = new float[intrinsic * D];
        float[] centres = new float[clusters * intrinsic];
        for (int i = 0; i < basis.length; i++) basis[i] = (float) (random.nextGaussian() / 4);
        for (int i = 0; i < centres.length; i++) centres[i] = (float) (4 * random.nextGaussian());
        float[] x = new float[n * D];
        float[] latent = new float[intrinsic];
        for (int i = 0; i < n; i++) {
            int c = random.nextInt(clusters);
            for (int j = 0; j < intrinsic; j++) latent[j] = centres[c * intrinsic + j] + (float) random.nextGaussian();
            for (int k = 0; k < D; k++) {
                float v = (float) (0.05 * random.nextGaussian());
                for (int j = 0; j < intrinsic; j++) v += latent[j] * basis[j * D + k];
                x[i * D + k] = v;
            }
        }
        return x;
    }
}
