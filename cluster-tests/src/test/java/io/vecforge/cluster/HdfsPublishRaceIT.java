package io.vecforge.cluster;

import io.vecforge.bundle.BundleLayout;
import io.vecforge.bundle.BundleStorage;
import io.vecforge.bundle.PublisherRace;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The same publisher race as on S3 (S3CommitTest), on a real HDFS: the Hadoop commit under its lock. */
class HdfsPublishRaceIT {
    @TempDir
    Path dir;

    @Test
    void twoPublishersRacingOnHdfsHaveExactlyOneWinnerEachRound() throws Exception {
        try (LocalHdfs hdfs = new LocalHdfs(dir.resolve("hdfs"))) {
            BundleStorage storage = BundleStorage.forUri(hdfs.uri(), hdfs.conf());
            PublisherRace.run(storage, new BundleLayout(new org.apache.hadoop.fs.Path(hdfs.path("/bundles")), "idx"),
                    12);
        }
    }
}
