package io.vecforge.serving;

import io.vecforge.Failure;
import io.vecforge.bundle.Manifest;
import io.vecforge.bundle.VersionName;
import java.util.regex.Pattern;

/**
 * A manifest is untrusted input: every file it names must be a plain relative name inside the
 * bundle ("shard-00000.faiss", "holdout/queries.fvecs"), of a bounded size.
 */
final class SafeNames {
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    private SafeNames() {}

    static void check(Manifest manifest, long maxFileBytes) {
        for (String repeated : manifest.repeatedFileNames()) {
            throw new PullException(Failure.DUPLICATE_FILE, "the manifest lists file '" + repeated
                    + "' more than once");
        }
        for (Manifest.Shard shard : manifest.shards) {
            check(shard.file, shard.bytes, maxFileBytes);
        }
        for (Manifest.BundleFile file : manifest.files) {
            check(file.file, file.bytes, maxFileBytes);
        }
        String queries = manifest.validation.queriesFile;
        if (queries == null || manifest.files.stream().noneMatch(f -> queries.equals(f.file))) {
            throw new PullException(Failure.PATH_TRAVERSAL,
                    "validation.queriesFile '" + queries + "' is not one of the bundle's files");
        }
    }

    static void checkVersion(String version) {
        if (!VersionName.isValid(version)) {
            throw new PullException(Failure.PATH_TRAVERSAL, "version '" + version + "' is not a plain version"
                    + " name of this index");
        }
    }

    static void check(String name, long bytes, long maxFileBytes) {
        if (name == null || name.isEmpty()) {
            throw new PullException(Failure.PATH_TRAVERSAL, "a file has no name");
        }
        if (name.startsWith("/") || name.startsWith("\\") || name.matches("^[A-Za-z]:.*") || name.contains("://")) {
            throw new PullException(Failure.ABSOLUTE_PATH, "file '" + name + "' is an absolute path");
        }
        String[] segments = name.split("/", -1);
        if (segments.length > 2) {
            throw new PullException(Failure.PATH_TRAVERSAL, "file '" + name + "' is nested too deep");
        }
        for (String segment : segments) {
            if (!SEGMENT.matcher(segment).matches() || segment.equals("..") || segment.contains("..")) {
                throw new PullException(Failure.PATH_TRAVERSAL, "file '" + name + "' is not a plain name inside"
                        + " the bundle");
            }
        }
        if (bytes < 0 || bytes > maxFileBytes) {
            throw new PullException(Failure.TOO_LARGE, "file '" + name + "' declares " + bytes
                    + " bytes; the limit is " + maxFileBytes + " (--max-file-bytes)");
        }
    }
}
