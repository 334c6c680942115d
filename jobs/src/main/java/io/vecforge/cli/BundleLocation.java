package io.vecforge.cli;

import io.vecforge.bundle.BundleLayout;
import io.vecforge.bundle.BundleStorage;
import io.vecforge.bundle.Manifest;
import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * A bundle URI resolved to one version: a version directory, an index directory read through
 * LATEST, or a run record (INDEX/_runs/RUN, written by `build --run-id`).
 */
record BundleLocation(BundleStorage storage, Path versionDir) {
    static BundleLocation resolve(String uri) throws IOException {
        Path path = new Path(uri);
        BundleStorage storage = BundleStorage.forUri(path.toUri(), new Configuration());
        Path qualified = storage.qualify(path);
        if (storage.exists(new Path(qualified, Manifest.FILE_NAME))) {
            return new BundleLocation(storage, qualified);
        }
        Path runRecord = new Path(qualified, "VERSION");
        if (storage.exists(runRecord) && qualified.getParent() != null
                && "_runs".equals(qualified.getParent().getName())) {
            String version = new String(storage.read(runRecord), java.nio.charset.StandardCharsets.UTF_8).trim();
            return new BundleLocation(storage, new Path(qualified.getParent().getParent(), version));
        }
        Path latest = new Path(qualified, BundleLayout.LATEST);
        String version = storage.readPointer(latest).orElseThrow(() -> new IllegalArgumentException(
                uri + " is neither a bundle version (no manifest.json) nor an index with a LATEST pointer"));
        return new BundleLocation(storage, new Path(qualified, version));
    }

    Manifest manifest() throws IOException {
        return Manifest.fromJson(storage.read(new Path(versionDir, Manifest.FILE_NAME)));
    }
}
