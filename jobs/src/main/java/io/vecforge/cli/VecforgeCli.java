package io.vecforge.cli;

import io.vecforge.ExitCodeMapper;
import io.vecforge.Failure;
import io.vecforge.Versions;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/** `vecforge`: git-style command line over the build job, the validators and the bundle tools. */
@Command(name = "vecforge",
        mixinStandardHelpOptions = true,
        versionProvider = VecforgeCli.VersionProvider.class,
        scope = CommandLine.ScopeType.INHERIT, // every subcommand gets --help, --version and this version provider
        description = "Builds Faiss IVFPQ indexes from Parquet embeddings on Spark and publishes validated bundles.",
        subcommands = {BuildCommand.class, ValidateCommand.class, InspectCommand.class, SearchCommand.class,
            ReportCommand.class,
            GenDataCommand.class, LifecycleCommands.Publish.class, LifecycleCommands.ListVersions.class,
            LifecycleCommands.Rollback.class, LifecycleCommands.Pin.class, LifecycleCommands.Unpin.class,
            LifecycleCommands.Gc.class, CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n")
public final class VecforgeCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        EmbeddedSpark.prestartFor(java.util.Arrays.asList(args));
        CommandLine cli = commandLine();
        int code = cli.execute(args);
        EmbeddedSpark.stopUnclaimed();
        cli.getOut().flush();
        cli.getErr().flush();
        System.exit(code);
    }

    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new VecforgeCli());
        java.util.Map<String, String> top = Failure.usage(Failure.Command.ANY, "success", Failure.UNEXPECTED,
                Failure.USAGE, Failure.REFUSED, Failure.STATE_UNKNOWN);
        top.put("3, 20-30", "build failures, see `vecforge build --help`");
        top.put("10-19", "validation failures, see `vecforge validate --help`");
        cli.getSubcommands().values().forEach(sub -> helpExitCodes(sub, top));
        helpExitCodes(cli, top);
        helpExitCodes(cli.getSubcommands().get("build"), Failure.usage(Failure.Command.BUILD, "published",
                Failure.UNEXPECTED));
        helpExitCodes(cli.getSubcommands().get("validate"), Failure.usage(Failure.Command.VALIDATE, "valid",
                Failure.UNEXPECTED, Failure.USAGE, Failure.REFUSED));
        return cli.setExecutionExceptionHandler(new ExitCodeMapper("vecforge"));
    }

    private static void helpExitCodes(CommandLine command, java.util.Map<String, String> exitCodes) {
        command.getCommandSpec().usageMessage().exitCodeList(exitCodes);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"vecforge " + Versions.vecforge()};
        }
    }
}
