package io.vecforge.bundle;

import java.util.Locale;

/** Where a version stands in its index's lifecycle. */
public enum VersionState {
    /** LATEST names it. */
    PUBLISHED,
    /** Complete, and the one `rollback` would return to. */
    PREVIOUS,
    /** Complete (valid _SUCCESS) but not published. */
    STAGED,
    /** The build failed: _FAILED says why. */
    FAILED,
    /** Neither complete nor failed: a build running, or one killed mid-way. */
    INCOMPLETE;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
