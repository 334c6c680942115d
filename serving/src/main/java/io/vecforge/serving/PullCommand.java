package io.vecforge.serving;

import io.vecforge.ExitCodeMapper;
import io.vecforge.Failure;
import io.vecforge.UsageException;
import io.vecforge.Versions;
import io.vecforge.bundle.BundleStorage;
import io.vecforge.bundle.s3.S3Settings;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** `vecforge-pull`: the serving side, in a jar without Spark. */
@Command(name = "vecforge-pull", mixinStandardHelpOptions = true,
        versionProvider = PullCommand.VersionProvider.class,
        description = {"Pulls a bundle version to this node, verifies and warms it up, then switches"
            + " <to>/current to it atomically.", "Files already present and verified, or held by the served version"
            + " with the same CRC32C, are not downloaded again; partial downloads resume."},
        exitCodeListHeading = "%nExit codes (current is never moved to a refused version):%n")
public final class PullCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--from", required = true, paramLabel = "ROOT/INDEX",
            description = "The index directory (any Hadoop URI).")
    String from;

    @Option(names = "--to", required = true, paramLabel = "DIR",
            description = "Local directory: versions/ and current.")
    Path to;

    @Option(names = "--version", paramLabel = "V", description = "Pull this version instead of LATEST.")
    String version;

    @Option(names = "--node", paramLabel = "i/N", description = "Pull only shards k with k mod N = i (default 0/1).")
    String node = "0/1";

    @Option(names = "--keep", defaultValue = "3",
            description = "Local versions to keep, current included (default: ${DEFAULT-VALUE}).")
    int keep;

    @Option(names = "--on-activate", paramLabel = "CMD",
            description = "Run after the switch (sh -c, with VECFORGE_VERSION set); non-zero switches back.")
    String onActivate;

    @Option(names = "--threads", defaultValue = "4", description = "Parallel downloads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--limit-rate", defaultValue = "0", paramLabel = "BYTES_PER_SECOND",
            description = "Cap the download rate of the whole pull (default: no cap).")
    long limitRate;

    @Option(names = "--max-file-bytes", defaultValue = "1099511627776",
            description = "Refuse a manifest declaring a larger file (default: 1 TiB).")
    long maxFileBytes;

    public static void main(String[] args) {
        ExitCodeMapper.execute(commandLine(), args);
    }

    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new PullCommand());
        cli.getCommandSpec().usageMessage().exitCodeList(Failure.usage(Failure.Command.PULL,
                "current switched (or already on the version)", Failure.UNEXPECTED, Failure.USAGE,
                Failure.REFUSED));
        return cli.setExecutionExceptionHandler(new ExitCodeMapper("vecforge-pull"));
    }

    @Override
    public Integer call() throws Exception {
        String[] parts = node.split("/");
        int i;
        int n;
        try {
            i = Integer.parseInt(parts[0]);
            n = Integer.parseInt(parts[1]);
        } catch (RuntimeException e) {
            throw new UsageException("--node must be i/N, got '" + node + "'");
        }
        if (n < 1 || i < 0 || i >= n) {
            throw new UsageException("--node i/N needs 0 <= i < N, got '" + node + "'");
        }
        org.apache.hadoop.fs.Path index = new org.apache.hadoop.fs.Path(from);
        BundleStorage storage = BundleStorage.forUri(index.toUri(), S3Settings.fromEnvironment());
        Puller.Options options = new Puller.Options(version, i, n, Math.max(1, keep), onActivate, threads, maxFileBytes,
                limitRate, () -> { });
        Puller.Result result = new Puller(storage, storage.qualify(index), to.toAbsolutePath(), options).pull();
        spec.commandLine().getOut().printf("current -> %s (was %s): %d files, %d reused, %d bytes"
                + " downloaded%n", result.version(), result.previous(), result.files(), result.reused(),
                result.bytesDownloaded());
        return 0;
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"vecforge-pull " + Versions.vecforge()};
        }
    }
}
