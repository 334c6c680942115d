package io.vecforge.jobs;

import io.vecforge.bundle.BundleLayout;
import io.vecforge.bundle.BundleStorage;
import io.vecforge.bundle.Manifest;
import io.vecforge.bundle.VersionCommit;
import java.io.IOException;

/** What LATEST named when the build started, and that version's manifest: both null when nothing is published. */
public record Published(String version, Manifest manifest) {
    public static Published read(BundleStorage storage, BundleLayout layout) throws IOException {
        String version = VersionCommit.published(storage, layout).orElse(null);
        if (version == null) {
            return new Published(null, null);
        }
        // LATEST's (checked) version names the directory, never the manifest's own say
        return new Published(version, Manifest.fromJson(storage.read(layout.manifest(version))));
    }

    public boolean exists() {
        return version != null;
    }

    /** The expected LATEST for the commit: "" for nothing. */
    public String expectedLatest() {
        return version == null ? "" : version;
    }

    /** The new version's lineage entry; null for the first version of an index. */
    public Manifest.Parent asParent() {
        return version == null ? null : new Manifest.Parent(version, manifest.contentHash());
    }
}
