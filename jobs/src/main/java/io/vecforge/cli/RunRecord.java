package io.vecforge.cli;

import io.vecforge.bundle.BundleLayout;
import io.vecforge.bundle.BundleStorage;
import io.vecforge.bundle.s3.S3Settings;
import io.vecforge.jobs.config.BuildConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.fs.Path;

/** INDEX/_runs/&lt;run id&gt;/VERSION: which version a scheduler's run built, for its later tasks. */
final class RunRecord {
    private RunRecord() {}

    static String safe(String runId) {
        return runId.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    static void write(BuildConfig config, String runId, String version) throws IOException {
        Path root = new Path(config.index().outputRoot());
        BundleStorage storage = BundleStorage.forUri(root.toUri(), S3Settings.fromEnvironment());
        BundleLayout layout = new BundleLayout(storage.qualify(root), config.index().name());
        storage.write(new Path(new Path(layout.runsDir(), safe(runId)), BundleLayout.RUN_VERSION),
                (version + "\n").getBytes(StandardCharsets.UTF_8));
    }
}
