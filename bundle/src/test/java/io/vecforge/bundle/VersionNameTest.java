package io.vecforge.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecforge.Versions;
import java.time.Instant;
import java.time.LocalDate;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class VersionNameTest {
    @ParameterizedTest
    @ValueSource(strings = {"20261120-20261121T150000Z-3f9a1c", "20261101-a", "20261101"})
    void plainVersionNamesPass(String name) {
        assertEquals(name, VersionName.check(name));
        assertTrue(new BundleLayout(new Path("/r"), "idx").versionDir(name).toString().endsWith("/idx/" + name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "..", "../20261101-a", "20261101-a/..", "../LATEST", "LATEST", "../other/20261101-a",
        "/tmp/20261101-a", "20261101/../../x", "20261101-a\\..\\b", "_pins", ".20261101-a", "20261301-a",
        "20261101 a", "hdfs://x/20261101"})
    void anythingElseIsRefusedBeforeItBecomesAPath(String name) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> VersionName.check(name));
        assertTrue(e.getMessage().contains("'" + name + "' is not a version name"), e.getMessage());
        assertFalse(VersionName.isValid(name));
        assertThrows(IllegalArgumentException.class, () -> new BundleLayout(new Path("/r"), "idx").versionDir(name));
        assertThrows(IllegalStateException.class, () -> VersionName.fromPointer(name, "LATEST"));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2})
    void newVersionIdsAreValidNames(int days) {
        String id = Versions.newVersionId(LocalDate.of(2026, 11, 20).plusDays(days), Instant.now());
        assertTrue(VersionName.isValid(id), id);
        assertEquals(LocalDate.of(2026, 11, 20).plusDays(days), VersionName.logicalDate(id));
    }
}
