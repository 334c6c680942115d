package io.vecforge;

/**
 * An exception that knows which {@link Failure} it is: the only thing {@link ExitCodeMapper} maps to
 * an exit code. Any other exception is an unexpected error (exit 1).
 */
public interface KnownFailure {
    Failure failure();
}
