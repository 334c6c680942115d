package io.vecforge.bundle;

import java.nio.charset.StandardCharsets;

/** The smallest manifests the lifecycle tests need: a name, a version and a row count. */
public final class TestManifests {
    private TestManifests() {}

    public static Manifest minimal(String index, String version) {
        return Manifest.fromJson(String.format("{\"indexName\": \"%s\", \"version\": \"%s\","
                + " \"source\": {\"acceptedRows\": 1234}}", index, version).getBytes(StandardCharsets.UTF_8));
    }
}
