package io.vecforge.bundle;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A file name a manifest lists is untrusted: it must be a plain relative name inside the version
 * ("shard-00000.faiss", "holdout/queries.fvecs"), at most two segments, no "..", nothing absolute.
 * Validate and pull check every name with this rule before reading or writing anything.
 */
public final class BundleFileName {
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    private BundleFileName() {}

    public static boolean isAbsolute(String name) {
        return name.startsWith("/") || name.startsWith("\\") || name.matches("^[A-Za-z]:.*") || name.contains("://");
    }

    /** What is wrong with the name, or empty if it is a plain name inside the bundle. */
    public static Optional<String> problem(String name) {
        if (name == null || name.isEmpty()) {
            return Optional.of("a file has no name");
        }
        if (isAbsolute(name)) {
            return Optional.of("file '" + name + "' is an absolute path");
        }
        String[] segments = name.split("/", -1);
        if (segments.length > 2) {
            return Optional.of("file '" + name + "' is nested too deep");
        }
        for (String segment : segments) {
            if (!SEGMENT.matcher(segment).matches() || segment.contains("..")) {
                return Optional.of("file '" + name + "' is not a plain name inside the bundle");
            }
        }
        return Optional.empty();
    }
}
