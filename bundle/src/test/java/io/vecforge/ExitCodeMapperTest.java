package io.vecforge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecforge.bundle.CommitFailedException;
import io.vecforge.bundle.CommitStateUnknownException;
import io.vecforge.bundle.ConcurrentPublishException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The one exit-code mapping: typed failures keep their codes, any other exception is exit 1, named by type. */
class ExitCodeMapperTest {
    @CommandLine.Command(name = "probe")
    static final class Throwing implements Callable<Integer> {
        private final RuntimeException toThrow;

        Throwing(RuntimeException toThrow) {
            this.toThrow = toThrow;
        }

        @Override
        public Integer call() {
            throw toThrow;
        }
    }

    private record Run(int code, String err) {}

    private static Run run(RuntimeException e) {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new Throwing(e)).setErr(new PrintWriter(err))
                .setExecutionExceptionHandler(new ExitCodeMapper("probe"));
        int code = cli.execute();
        return new Run(code, err.toString());
    }

    @Test
    void typedFailuresKeepTheirCodes() {
        assertEquals(2, run(new UsageException("bad name")).code());
        assertEquals(4, run(new RefusedException("not complete")).code());
        assertEquals(4, run(new CommitFailedException("LATEST was not moved")).code());
        assertEquals(4, run(new ConcurrentPublishException("LATEST moved")).code());
        assertEquals(5, run(new CommitStateUnknownException("may or may not", new RuntimeException())).code());
        Run refused = run(new RefusedException("version v is not complete"));
        assertEquals("probe: version v is not complete", refused.err().trim());
    }

    @Test
    void noJdkExceptionTypeDecidesACodeOrAMessage() {
        Run state = run(new IllegalStateException("Jackson or Spark said something"));
        assertEquals(1, state.code(), "an IllegalStateException from a library is not a refusal");
        assertTrue(state.err().contains("unexpected error: java.lang.IllegalStateException: Jackson or Spark"),
                state.err());
        Run argument = run(new IllegalArgumentException("from deep inside"));
        assertEquals(1, argument.code(), "an IllegalArgumentException from a library is not a usage error");
        assertTrue(argument.err().contains("unexpected error: java.lang.IllegalArgumentException"), argument.err());
    }

    @Test
    void theUsageHelpListsTheSharedCodesAndTheCommandsOwn() {
        var lines = Failure.usage(Failure.Command.PULL, "switched", Failure.UNEXPECTED, Failure.USAGE,
                Failure.REFUSED);
        assertEquals("switched", lines.get("0"));
        assertEquals(Failure.UNEXPECTED.meaning(), lines.get("1"));
        assertEquals(Failure.REFUSED.meaning(), lines.get("4"));
        for (Failure pull : Failure.of(Failure.Command.PULL)) {
            assertEquals(pull.meaning(), lines.get(String.valueOf(pull.exitCode())));
        }
    }
}
