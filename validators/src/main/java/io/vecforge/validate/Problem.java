package io.vecforge.validate;

import io.vecforge.Failure;

/** One failed check. {@code file} is the bundle-relative file concerned, or null. */
public record Problem(Failure failure, String file, String message) {
    @Override
    public String toString() {
        return failure + (file == null ? "" : " [" + file + "]") + ": " + message;
    }
}
