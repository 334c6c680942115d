package io.vecforge.jobs.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecforge.faiss.Metric;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BuildConfigTest {
    private static final Map<String, String> REQUIRED =
            Map.of("index.name", "x", "input.path", "/in", "output.root", "/out");

    @Test
    void theExampleConfigListsEveryKeyWithItsDefault() throws Exception {
        Path file = Path.of("..", "conf", "example-index.properties");
        BuildConfig.load(file, Map.of()); // it is a valid config
        Map<String, String> example = ConfigFile.read(file);
        for (Map.Entry<String, String> entry : BuildConfig.DEFAULTS.entrySet()) {
            if (entry.getValue() != null) {
                // optional keys ("" by default) may stay commented out; every other one is listed with its default
                assertEquals(entry.getValue(), example.getOrDefault(entry.getKey(), "").trim(), entry.getKey());
            }
        }
    }

    @Test
    void defaultsApply() {
        BuildConfig config = BuildConfig.of(REQUIRED, "test");
        assertEquals("IVF1024,PQ32np", config.index().factory());
        assertEquals(Metric.L2, config.index().metric());
        assertEquals(4, config.index().shards());
        assertEquals(16, config.validate().nprobe());
    }

    @Test
    void rejectsUnknownAndMissingKeysAndBadValues() {
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> BuildConfig.of(with("index.facotry", "IVF1,Flat"), "test"));
        assertTrue(unknown.getMessage().contains("index.facotry"), unknown.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> BuildConfig.of(Map.of("index.name", "x"), "test"));
        assertTrue(missing.getMessage().contains("required"), missing.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BuildConfig.of(with("shards", "0"), "test"));
        assertThrows(IllegalArgumentException.class, () -> BuildConfig.of(with("shards", "four"), "test"));
        assertThrows(IllegalArgumentException.class, () -> BuildConfig.of(with("index.metric", "cos"), "test"));
        assertThrows(IllegalArgumentException.class, () -> BuildConfig.of(with("validate.min-recall", "1.5"), "test"));
    }

    private static Map<String, String> with(String key, String value) {
        java.util.HashMap<String, String> map = new java.util.HashMap<>(REQUIRED);
        map.put(key, value);
        return map;
    }
}
