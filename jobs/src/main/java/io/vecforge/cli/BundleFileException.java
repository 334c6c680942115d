package io.vecforge.cli;

import io.vecforge.Failure;
import io.vecforge.KnownFailure;
import java.io.IOException;

/**
 * A file of a bundle version that a command will not read: missing, damaged or named outside the version. Its
 * failure is the one `vecforge validate` reports for the same file, so is its exit code.
 */
final class BundleFileException extends IOException implements KnownFailure {
    private static final long serialVersionUID = 1L;

    private final Failure failure;

    BundleFileException(Failure failure, String message) {
        super(message);
        this.failure = failure;
    }

    @Override
    public Failure failure() {
        return failure;
    }
}
