package io.vecforge.serving;

import io.vecforge.Failure;
import io.vecforge.bundle.BundleFileName;
import io.vecforge.bundle.Manifest;
import io.vecforge.bundle.VersionName;
import java.util.Optional;

/**
 * A manifest is untrusted input: every file it names must be a plain relative name inside the
 * bundle ("shard-00000.faiss", "holdout/queries.fvecs"), of a bounded size.
 */
final class SafeNames {
    private SafeNames() {}

    static void check(Manifest manifest, long maxFileBytes) {
        for (String repeated : manifest.repeatedFileNames()) {
            throw new PullException(Failure.DUPLICATE_FILE, "the manifest lists file '" + repeated
                    + "' more than once");
        }
        for (Manifest.Shard shard : manifest.shards()) {
            check(shard.file(), shard.bytes(), maxFileBytes);
        }
        for (Manifest.BundleFile file : manifest.files()) {
            check(file.file(), file.bytes(), maxFileBytes);
        }
        String queries = manifest.validation().queriesFile();
        if (queries == null || manifest.files().stream().noneMatch(f -> queries.equals(f.file()))) {
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
        Optional<String> problem = BundleFileName.problem(name);
        if (problem.isPresent()) {
            throw new PullException(name != null && BundleFileName.isAbsolute(name) ? Failure.ABSOLUTE_PATH
                    : Failure.PATH_TRAVERSAL, problem.get());
        }
        if (bytes < 0 || bytes > maxFileBytes) {
            throw new PullException(Failure.TOO_LARGE, "file '" + name + "' declares " + bytes
                    + " bytes; the limit is " + maxFileBytes + " (--max-file-bytes)");
        }
    }
}
