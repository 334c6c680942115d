package io.vecforge.jobs;

import io.vecforge.Failure;
import io.vecforge.bundle.BundleStorage;
import io.vecforge.bundle.Manifest;
import io.vecforge.validate.BundleValidator;
import io.vecforge.validate.ValidationReport;
import java.io.IOException;
import java.nio.file.Files;
import org.apache.hadoop.fs.Path;

/** Validates the new version with `vecforge validate`'s checks (before _SUCCESS exists). */
final class ValidateStage {
    private ValidateStage() {}

    static ValidationReport requireValid(BundleStorage storage, Path versionDir, Manifest manifest) throws IOException {
        java.nio.file.Path scratch = Files.createTempDirectory("vecforge-validate-");
        ValidationReport report;
        try {
            report = new BundleValidator(storage, new BundleValidator.Options(false, null, null, scratch, true))
                    .validate(versionDir, manifest);
        } finally {
            Files.deleteIfExists(scratch);
        }
        if (!report.isOk()) {
            throw BuildFailedException.of(Failure.INVALID_BUNDLE, "the new version is invalid:\n" + report.summary());
        }
        return report;
    }
}
