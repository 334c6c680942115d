package io.vecforge.cli;

import io.vecforge.bundle.Manifest;
import io.vecforge.faiss.FaissIndex;
import io.vecforge.report.BuildReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "report", description = {"Regenerates a version's build report (report.html and its PNGs) into a"
        + " local directory.", "The version itself is immutable: the report its build wrote stays as it is."})
final class ReportCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "BUNDLE", description = "A version directory, or an index directory (LATEST is followed).")
    String bundle;

    @Option(names = {"-o", "--output"}, description = "Directory to write to (default: ./<index>-<version>-report).")
    Path output;

    @Override
    public Integer call() throws Exception {
        BundleLocation location = BundleLocation.resolve(bundle).requireComplete();
        Manifest manifest = location.manifest();
        Path target = output != null ? output : Path.of(manifest.indexName() + "-" + manifest.version() + "-report");
        Map<String, byte[]> files = BuildReport.render(manifest, manifest.timingsMillis(), listSizes(location,
                manifest));
        for (Map.Entry<String, byte[]> file : files.entrySet()) {
            Path path = target.resolve(file.getKey());
            Files.createDirectories(path.getParent());
            Files.write(path, file.getValue());
        }
        spec.commandLine().getOut().printf("wrote %s (%d files)%n", target.resolve(BuildReport.HTML), files.size());
        return 0;
    }

    /** Vectors per inverted list over every shard: each shard is loaded in turn, one at a time. */
    private static long[] listSizes(BundleLocation location, Manifest manifest) throws Exception {
        long[] total = null;
        Path scratch = Files.createTempDirectory("vecforge-report-");
        try {
            for (Manifest.Shard shard : manifest.shards()) {
                Path local = scratch.resolve("shard.faiss");
                try {
                    location.download(shard.file(), shard.bytes(), shard.crc32c(), local);
                    try (FaissIndex index = FaissIndex.readListsOnDisk(local)) { // the sizes, not the entries
                        long[] sizes = index.listSizes();
                        if (total == null) {
                            total = sizes;
                        } else {
                            for (int i = 0; i < sizes.length; i++) {
                                total[i] += sizes[i];
                            }
                        }
                    }
                } finally {
                    Files.deleteIfExists(local);
                }
            }
        } finally {
            Files.deleteIfExists(scratch);
        }
        return total;
    }
}
