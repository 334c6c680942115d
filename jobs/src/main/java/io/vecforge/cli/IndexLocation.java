package io.vecforge.cli;

import io.vecforge.UsageException;
import io.vecforge.bundle.BundleLayout;
import io.vecforge.bundle.BundleStorage;
import io.vecforge.bundle.IndexLifecycle;
import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import picocli.CommandLine.Parameters;

/** The ROOT INDEX positional pair of the lifecycle commands. */
final class IndexLocation {
    @Parameters(index = "0", paramLabel = "ROOT", description = "Publish root (any Hadoop URI).")
    String root;

    @Parameters(index = "1", paramLabel = "INDEX", description = "Index name.")
    String index;

    IndexLifecycle lifecycle() throws IOException {
        Path rootPath = new Path(root);
        BundleStorage storage = BundleStorage.forUri(rootPath.toUri(), new Configuration());
        BundleLayout layout = new BundleLayout(storage.qualify(rootPath), index);
        if (!storage.exists(layout.indexDir())) {
            throw new UsageException("no index '" + index + "' under " + root);
        }
        return new IndexLifecycle(storage, layout);
    }
}
