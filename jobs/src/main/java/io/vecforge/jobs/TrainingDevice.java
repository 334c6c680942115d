package io.vecforge.jobs;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Where the training task trains, decided inside the task from what Spark assigned to it
 * (TaskContext resources) and what the native library can do.
 *
 * @param trainer "gpu" or "cpu"
 * @param device the device's name (a GPU address, or the CPU model)
 * @param note why a GPU was not used, when one was asked for; null otherwise
 */
record TrainingDevice(String trainer, String device, String note) implements Serializable {

    static TrainingDevice choose(TrainerChoice choice, String resource, List<String> assigned, boolean gpuCapable,
            int threads) {
        String cpu = cpuName() + ", " + threads + " thread(s)";
        if (choice == TrainerChoice.CPU) {
            return new TrainingDevice("cpu", cpu, null);
        }
        String problem;
        if (assigned.isEmpty()) {
            problem = "the training task was given no '" + resource + "' resource";
        } else if (!gpuCapable) {
            problem = "Spark gave the training task " + resource + " " + assigned + ", but this vecforge native"
                    + " library has no GPU trainer (built from CPU-only sources)";
        } else {
            return new TrainingDevice("gpu", resource + " " + assigned.get(0), null);
        }
        if (choice == TrainerChoice.GPU) {
            throw new IllegalStateException("train.trainer=gpu, but " + problem
                    + "; use train.trainer=auto to fall back to the CPU");
        }
        return new TrainingDevice("cpu", cpu, "train.trainer=auto fell back to the CPU: " + problem);
    }

    static String cpuName() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: a generic name will do
        }
        return "cpu";
    }
}
