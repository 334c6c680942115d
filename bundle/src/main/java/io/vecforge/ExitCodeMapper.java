package io.vecforge;

import picocli.CommandLine;

/**
 * The one place an exception becomes an exit code and a message, for `vecforge` and
 * `vecforge-pull`: a {@link KnownFailure} exits with its {@link Failure}'s code and message; anything
 * else is an unexpected error (exit 1) named by its type, since its message alone may mislead.
 */
public final class ExitCodeMapper implements CommandLine.IExecutionExceptionHandler {
    private final String program;

    public ExitCodeMapper(String program) {
        this.program = program;
    }

    /** Runs a command line to its end and exits the JVM with its code, output flushed first. */
    public static void execute(CommandLine commandLine, String[] args) {
        int code = commandLine.execute(args);
        commandLine.getOut().flush();
        commandLine.getErr().flush();
        System.exit(code);
    }

    public static int exitCode(Throwable e) {
        return e instanceof KnownFailure known ? known.failure().exitCode() : Failure.UNEXPECTED.exitCode();
    }

    public static String message(Throwable e) {
        if (e instanceof KnownFailure) {
            return e.getMessage();
        }
        return "unexpected error: " + e.getClass().getName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    @Override
    public int handleExecutionException(Exception e, CommandLine commandLine, CommandLine.ParseResult parseResult) {
        String command = commandLine.getCommandName();
        commandLine.getErr().println((command.equals(program) ? program : program + " " + command) + ": "
                + message(e));
        return exitCode(e);
    }
}
