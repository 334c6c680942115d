package io.vecforge.jobs.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.vecforge.bundle.Manifest;
import io.vecforge.faiss.GpuLibrary;
import io.vecforge.jobs.config.TrainerChoice;
import io.vecforge.writer.train.CpuTrainer;
import io.vecforge.writer.train.GpuTrainer;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Where the training task trains, given what Spark assigned it and what the GPU probe finds. */
class TrainingDeviceTest {
    private static final Supplier<GpuLibrary.Probe> ONE_GPU =
            () -> new GpuLibrary.Probe(1, "", List.of("NVIDIA H200 (sm_90, 143771 MiB)"));
    private static final Supplier<GpuLibrary.Probe> NO_DRIVER =
            () -> new GpuLibrary.Probe(0, "CUDA: CUDA driver version is insufficient for CUDA runtime version", List.of());
    private static final Supplier<GpuLibrary.Probe> NEVER = () -> fail("the probe must not run");

    @Test
    void cpuNeverLooksForAGpu() {
        TrainingDevice device = TrainingDevice.choose(TrainerChoice.CPU, "gpu", List.of("0"), false, NEVER, 4);
        assertEquals(Manifest.Trainer.CPU, device.trainer());
        assertTrue(device.device().endsWith("4 thread(s)"), device.device());
        assertNull(device.note());
        assertInstanceOf(CpuTrainer.class, device.newTrainer());
    }

    @Test
    void autoUsesAnAssignedGpuThatWorksElseSaysWhyNot() {
        TrainingDevice gpu = TrainingDevice.choose(TrainerChoice.AUTO, "gpu", List.of("0"), false, ONE_GPU, 2);
        assertEquals(new TrainingDevice(Manifest.Trainer.GPU, "GPU 0: NVIDIA H200 (sm_90, 143771 MiB)", null, 0), gpu);
        assertInstanceOf(GpuTrainer.class, gpu.newTrainer());

        TrainingDevice none = TrainingDevice.choose(TrainerChoice.AUTO, "gpu", List.of(), false, NEVER, 2);
        assertEquals(Manifest.Trainer.CPU, none.trainer());
        assertEquals("train.trainer=auto fell back to the CPU: the training task was given no 'gpu' resource",
                none.note());

        TrainingDevice noDriver = TrainingDevice.choose(TrainerChoice.AUTO, "gpu", List.of("0"), false, NO_DRIVER, 2);
        assertEquals(Manifest.Trainer.CPU, noDriver.trainer());
        assertEquals(-1, noDriver.gpu());
        assertEquals("train.trainer=auto fell back to the CPU: Spark gave the training task gpu [0], but no GPU is"
                + " usable here: CUDA: CUDA driver version is insufficient for CUDA runtime version", noDriver.note());

        TrainingDevice missing = TrainingDevice.choose(TrainerChoice.AUTO, "gpu", List.of("3"), false, ONE_GPU, 2);
        assertTrue(missing.note().endsWith("gpu [3], but CUDA sees 1 device(s)"), missing.note());
    }

    @Test
    void localModeUsesThisMachinesGpuWhenThereIsOne() {
        assertEquals(0, TrainingDevice.choose(TrainerChoice.AUTO, "gpu", List.of(), true, ONE_GPU, 2).gpu());
        TrainingDevice none = TrainingDevice.choose(TrainerChoice.AUTO, "gpu", List.of(), true, NO_DRIVER, 2);
        assertEquals("train.trainer=auto fell back to the CPU: Spark local mode (this machine's GPU 0), but no GPU"
                + " is usable here: CUDA: CUDA driver version is insufficient for CUDA runtime version", none.note());
    }

    @Test
    void gpuFailsRatherThanTrainOnTheCpu() {
        IllegalStateException none = assertThrows(IllegalStateException.class,
                () -> TrainingDevice.choose(TrainerChoice.GPU, "nvidia", List.of(), false, NEVER, 2));
        assertTrue(none.getMessage().contains("train.trainer=gpu, but the training task was given no 'nvidia'"),
                none.getMessage());
        IllegalStateException noDriver = assertThrows(IllegalStateException.class,
                () -> TrainingDevice.choose(TrainerChoice.GPU, "gpu", List.of("0"), false, NO_DRIVER, 2));
        assertTrue(noDriver.getMessage().contains("no GPU is usable here: CUDA: CUDA driver version")
                && noDriver.getMessage().endsWith("use train.trainer=auto to fall back to the CPU"),
                noDriver.getMessage());
    }

    @Test
    void aFallbackKeepsTheReason() {
        TrainingDevice gpu = TrainingDevice.choose(TrainerChoice.AUTO, "gpu", List.of("0"), false, ONE_GPU, 2);
        TrainingDevice cpu = gpu.fallBack("training on the GPU failed: out of memory", 2);
        assertEquals(Manifest.Trainer.CPU, cpu.trainer());
        assertEquals("train.trainer=auto fell back to the CPU: training on the GPU failed: out of memory", cpu.note());
    }

    @Test
    void theTrainerSettingIsChecked() {
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> TrainerChoice.fromConfig("tpu"));
        assertEquals("train.trainer must be auto, gpu or cpu, got 'tpu'", bad.getMessage());
    }
}
