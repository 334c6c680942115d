package io.vecforge.cli;

import io.vecforge.Failure;
import io.vecforge.Versions;
import io.vecforge.bundle.CommitStateUnknownException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

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
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:unexpected error", "2:usage error (a bad argument or version name)",
            "4:refused: the version is not complete, LATEST is locked, moved, or names no version of this index",
            "5:LATEST may or may not have moved (an error hit while it was written): check with `vecforge list`",
            "3, 20-29:build failures, see `vecforge build --help`",
            "10-19:validation failures, see `vecforge validate --help`"})
public final class VecforgeCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        CommandLine commandLine = commandLine();
        int code = commandLine.execute(args);
        commandLine.getOut().flush();
        commandLine.getErr().flush();
        System.exit(code);
    }

    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new VecforgeCli());
        helpExitCodes(cli.getSubcommands().get("build"), Failure.usage(Failure.Command.BUILD, "0:published",
                "1:unexpected error"));
        helpExitCodes(cli.getSubcommands().get("validate"), Failure.usage(Failure.Command.VALIDATE, "0:valid",
                "1:unexpected error", "2:usage error (a bad argument, or BUNDLE is not a bundle)",
                "4:refused: LATEST or a run record names something that is not a version of its index"));
        return cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
                    commandLine.getErr().println("vecforge " + commandLine.getCommandName() + ": " + e.getMessage());
                    if (e instanceof IllegalArgumentException) {
                        return 2;
                    }
                    if (e instanceof CommitStateUnknownException) {
                        return 5;
                    }
                    return e instanceof IllegalStateException ? 4 : 1;
                });
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
