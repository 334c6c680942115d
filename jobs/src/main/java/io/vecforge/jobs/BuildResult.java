package io.vecforge.jobs;

import io.vecforge.bundle.Manifest;
import io.vecforge.validate.ValidationReport;

/**
 * A built version: where it is, its manifest, its validation, the version LATEST named before, and whether it was
 * published; or, for a delta with nothing to apply ({@code unchanged}), the base version, left as it is.
 */
public record BuildResult(String versionDir, Manifest manifest, ValidationReport validation, String previousVersion,
        boolean published, boolean unchanged) {
    public BuildResult(String versionDir, Manifest manifest, ValidationReport validation, String previousVersion,
            boolean published) {
        this(versionDir, manifest, validation, previousVersion, published, false);
    }

    /** A delta input without rows: no new version; the base stays what LATEST names (or not). */
    public static BuildResult unchanged(String baseDir, Manifest base, String previousVersion) {
        return new BuildResult(baseDir, base, null, previousVersion, false, true);
    }
}
