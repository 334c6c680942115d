package io.vecforge.jobs;

import io.vecforge.bundle.Manifest;
import io.vecforge.validate.ValidationReport;

/** A built version: where it is, its manifest, its validation, the version LATEST named before, and whether it was published. */
public record BuildResult(String versionDir, Manifest manifest, ValidationReport validation, String previousVersion,
        boolean published) {}
