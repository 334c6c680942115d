package io.vecforge.jobs;

import io.vecforge.bundle.Manifest;
import io.vecforge.validate.ValidationReport;

/** A published version: where it is, its manifest, its validation, and the version LATEST named before. */
public record BuildResult(String versionDir, Manifest manifest, ValidationReport validation, String previousVersion) {}
