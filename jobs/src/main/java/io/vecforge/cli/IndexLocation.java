package io.vecforge.cli;

import io.vecforge.UsageException;
import io.vecforge.bundle.BundleLayout;
import io.vecforge.bundle.BundleStorage;
import io.vecforge.bundle.IndexLifecycle;
import io.vecforge.bundle.s3.S3Settings;
import java.io.IOException;
import java.util.List;
import org.apache.hadoop.fs.Path;
import picocli.CommandLine.Parameters;

/**
 * The index a lifecycle command works on, named as `validate` and `search` name bundles: its
 * directory (INDEX_PATH, or a version directory inside it), or the older ROOT INDEX pair. Commands
 * on one version take it last: INDEX_PATH VERSION or ROOT INDEX VERSION.
 */
final class IndexLocation {
    @Parameters(arity = "1..3", paramLabel = "INDEX_PATH|ROOT INDEX",
            description = "The index: its directory (any Hadoop URI; a version directory in it also names it), or"
                    + " the publish root and the index name.")
    List<String> args;

    private BundleLayout layout;

    /** The index of a command without a VERSION argument. */
    IndexLifecycle lifecycle() throws IOException {
        return resolve(args);
    }

    /** The index of a command whose last argument is a VERSION. */
    IndexLifecycle lifecycleBeforeVersion() throws IOException {
        if (args.size() < 2) {
            throw new UsageException("expected INDEX_PATH VERSION or ROOT INDEX VERSION, got " + args);
        }
        return resolve(args.subList(0, args.size() - 1));
    }

    /** The VERSION argument (the last one). */
    String version() {
        return args.get(args.size() - 1);
    }

    /** The index's name, once resolved. */
    String index() {
        return layout.indexDir().getName();
    }

    private IndexLifecycle resolve(List<String> location) throws IOException {
        if (location.size() > 2) {
            throw new UsageException("expected INDEX_PATH or ROOT INDEX, got " + location);
        }
        Path first = new Path(location.get(0));
        BundleStorage storage = BundleStorage.forUri(first.toUri(), S3Settings.fromEnvironment());
        Path qualified = storage.qualify(first);
        if (location.size() == 2) {
            layout = new BundleLayout(qualified, location.get(1));
        } else {
            Path indexDir = storage.exists(new Path(qualified, BundleLayout.MANIFEST)) ? qualified.getParent() : qualified;
            if (indexDir == null || indexDir.getParent() == null) {
                throw new UsageException(location.get(0) + " is not an index directory");
            }
            layout = new BundleLayout(indexDir.getParent(), indexDir.getName());
        }
        if (!storage.exists(layout.indexDir())) {
            throw new UsageException("no index '" + index() + "' under " + layout.indexDir().getParent());
        }
        return new IndexLifecycle(storage, layout);
    }
}
