package io.vecforge.cli;

import io.vecforge.UsageException;
import io.vecforge.validate.BundleValidator;
import io.vecforge.validate.ValidationReport;
import java.nio.file.Files;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "validate", description = "Checks a bundle: files, CRC32C, row counts, shards loading in Faiss, unique ids, recall.",
        exitCodeListHeading = "%nExit codes (the first failure found decides):%n")
final class ValidateCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "BUNDLE", description = "A version directory, or an index directory (LATEST is followed).")
    String bundle;

    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    @Option(names = "--min-recall", description = "Recall threshold (default: the manifest's).")
    Double minRecall;

    @Option(names = "--nprobe", description = "nprobe for the recall check (default: the manifest's).")
    Integer nprobe;

    @Override
    public Integer call() throws Exception {
        if (minRecall != null && !(minRecall >= 0 && minRecall <= 1)) {
            throw new UsageException("--min-recall must be within [0, 1], got " + minRecall);
        }
        if (nprobe != null && nprobe <= 0) {
            throw new UsageException("--nprobe must be at least 1, got " + nprobe);
        }
        BundleLocation location = BundleLocation.resolve(bundle);
        java.nio.file.Path scratch = Files.createTempDirectory("vecforge-validate-");
        ValidationReport report;
        try {
            report = new BundleValidator(location.storage(),
                    new BundleValidator.Options(true, minRecall, nprobe, scratch)).validate(location.versionDir());
        } finally {
            Files.deleteIfExists(scratch);
        }
        out().print(json ? report.toJson() + "\n" : report.summary());
        return report.exitCode();
    }

    private java.io.PrintWriter out() {
        return spec.commandLine().getOut();
    }
}
