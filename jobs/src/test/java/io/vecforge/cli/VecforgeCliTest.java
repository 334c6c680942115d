package io.vecforge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecforge.Versions;
import io.vecforge.validate.FailureClass;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

class VecforgeCliTest {
    @ParameterizedTest
    @ValueSource(strings = {"build", "validate", "inspect", "search", "gen-data"})
    void everySubcommandHasHelpAndVersion(String command) {
        Result help = run(command, "--help");
        assertEquals(0, help.code);
        assertTrue(help.out.contains("Usage: vecforge " + command), help.out);
        Result version = run(command, "--version");
        assertEquals(0, version.code);
        assertEquals("vecforge " + Versions.vecforge(), version.out.trim());
    }

    @Test
    void topLevelHelpListsTheSubcommands() {
        Result help = run("--help");
        assertEquals(0, help.code);
        for (String command : new String[] {"build", "validate", "inspect", "search", "gen-data"}) {
            assertTrue(help.out.contains(command), help.out);
        }
    }

    @Test
    void validateHelpDocumentsEveryFailureExitCode() {
        String help = run("validate", "--help").out;
        for (FailureClass failure : FailureClass.values()) {
            assertTrue(help.contains(failure.exitCode() + "   " + failure.meaning()),
                    failure + " missing from:\n" + help);
        }
    }

    @Test
    void anUnknownConfigKeyIsAUsageError(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("index.properties");
        Files.writeString(config, "index.name=x\ninput.path=/nowhere\noutput.root=/tmp/x\nshard=4\n");
        Result result = run("build", "--config", config.toString());
        assertEquals(2, result.code);
        assertTrue(result.err.contains("unknown config key(s)") && result.err.contains("[shard]"), result.err);
    }

    @Test
    void validateOfAMissingBundleIsAUsageError(@TempDir Path dir) {
        Result result = run("validate", dir.resolve("absent").toString());
        assertEquals(2, result.code);
        assertTrue(result.err.contains("neither a bundle version"), result.err);
    }

    private record Result(int code, String out, String err) {}

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = VecforgeCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Result(code, out.toString(), err.toString());
    }
}
