package io.vecforge.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Where the training task trains, given what Spark assigned it and what the native library can do. */
class TrainingDeviceTest {
    @Test
    void cpuNeverLooksForAGpu() {
        TrainingDevice device = TrainingDevice.choose(TrainerChoice.CPU, "gpu", List.of("0"), true, 4);
        assertEquals("cpu", device.trainer());
        assertTrue(device.device().endsWith("4 thread(s)"), device.device());
        assertNull(device.note());
    }

    @Test
    void autoUsesAnAssignedGpuTheLibraryCanDriveElseSaysWhyNot() {
        assertEquals(new TrainingDevice("gpu", "gpu 1", null),
                TrainingDevice.choose(TrainerChoice.AUTO, "gpu", List.of("1"), true, 2));

        TrainingDevice none = TrainingDevice.choose(TrainerChoice.AUTO, "gpu", List.of(), true, 2);
        assertEquals("cpu", none.trainer());
        assertTrue(none.note().contains("given no 'gpu' resource"), none.note());

        TrainingDevice incapable = TrainingDevice.choose(TrainerChoice.AUTO, "gpu", List.of("0"), false, 2);
        assertEquals("cpu", incapable.trainer());
        assertTrue(incapable.note().contains("gpu [0]") && incapable.note().contains("no GPU trainer"),
                incapable.note());
    }

    @Test
    void gpuFailsRatherThanTrainOnTheCpu() {
        IllegalStateException none = assertThrows(IllegalStateException.class,
                () -> TrainingDevice.choose(TrainerChoice.GPU, "nvidia", List.of(), true, 2));
        assertTrue(none.getMessage().contains("train.trainer=gpu, but the training task was given no 'nvidia'"),
                none.getMessage());
        IllegalStateException incapable = assertThrows(IllegalStateException.class,
                () -> TrainingDevice.choose(TrainerChoice.GPU, "gpu", List.of("0"), false, 2));
        assertTrue(incapable.getMessage().contains("use train.trainer=auto"), incapable.getMessage());
    }

    @Test
    void theTrainerSettingIsChecked() {
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> TrainerChoice.fromConfig("tpu"));
        assertEquals("train.trainer must be auto, gpu or cpu, got 'tpu'", bad.getMessage());
    }
}
