package io.vecforge.jobs.train;

import io.vecforge.bundle.Manifest;
import io.vecforge.faiss.GpuLibrary;
import io.vecforge.jobs.config.TrainerChoice;
import io.vecforge.writer.train.CpuTrainer;
import io.vecforge.writer.train.GpuTrainer;
import io.vecforge.writer.train.Trainer;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

/**
 * Where the training task trains, decided once inside the task from what Spark assigned to it
 * (TaskContext resources) and what the GPU probe of its machine finds.
 *
 * @param trainer where the quantizer trains
 * @param device the device's name (a GPU's ordinal and model, or the CPU model and threads)
 * @param note why a GPU was not used, when one was asked for; null otherwise
 * @param gpu the CUDA ordinal to train on; -1 on the CPU
 */
public record TrainingDevice(Manifest.Trainer trainer, String device, String note, int gpu) implements Serializable {

    /**
     * @param assigned the addresses Spark assigned to the task for {@code resource}
     * @param localMode Spark local mode: the task runs in the driver's JVM, which may use its machine's GPU
     *                  although local mode schedules no GPU resources
     */
    static TrainingDevice choose(TrainerChoice choice, String resource, List<String> assigned, boolean localMode,
            Supplier<GpuLibrary.Probe> probe, int threads) {
        if (choice == TrainerChoice.CPU) {
            return new TrainingDevice(Manifest.Trainer.CPU, cpu(threads), null, -1);
        }
        String problem;
        if (assigned.isEmpty() && !localMode) {
            problem = "the training task was given no '" + resource + "' resource";
        } else {
            GpuLibrary.Probe found = probe.get();
            int ordinal = assigned.isEmpty() ? 0 : ordinal(assigned.get(0));
            String given = assigned.isEmpty() ? "Spark local mode (this machine's GPU 0)"
                    : "Spark gave the training task " + resource + " " + assigned;
            if (!found.available()) {
                problem = given + ", but no GPU is usable here: " + found.reason();
            } else if (ordinal >= found.devices()) {
                problem = given + ", but CUDA sees " + found.devices() + " device(s)";
            } else {
                return new TrainingDevice(Manifest.Trainer.GPU, "GPU " + ordinal + ": " + found.names().get(ordinal),
                        null, ordinal);
            }
        }
        if (choice == TrainerChoice.GPU) {
            throw new IllegalStateException("train.trainer=gpu, but " + problem
                    + "; use train.trainer=auto to fall back to the CPU");
        }
        return onCpuBecause(problem, threads);
    }

    /** The same task on the CPU, saying why the GPU could not train. */
    TrainingDevice fallBack(String why, int threads) {
        return onCpuBecause(why, threads);
    }

    private static TrainingDevice onCpuBecause(String why, int threads) {
        return new TrainingDevice(Manifest.Trainer.CPU, cpu(threads),
                "train.trainer=auto fell back to the CPU: " + why, -1);
    }

    private static String cpu(int threads) {
        return cpuName() + ", " + threads + " thread(s)";
    }

    Trainer newTrainer() {
        return gpu >= 0 ? new GpuTrainer(gpu) : new CpuTrainer();
    }

    /** Spark's GPU addresses are CUDA ordinals ("0", "1", ...); anything else means the first visible GPU. */
    private static int ordinal(String address) {
        try {
            return Math.max(0, Integer.parseInt(address.trim()));
        } catch (NumberFormatException e) {
            return 0;
        }
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
