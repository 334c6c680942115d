package io.vecforge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecforge.Failure;
import io.vecforge.Versions;
import io.vecforge.jobs.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class VecforgeCliTest {
    @ParameterizedTest
    @ValueSource(strings = {"build", "validate", "inspect", "search", "gen-data"})
    void everySubcommandHasHelpAndVersion(String command) {
        Cli help = run(command, "--help");
        assertEquals(0, help.exitCode());
        assertTrue(help.out().contains("Usage: vecforge " + command), help.out());
        Cli version = run(command, "--version");
        assertEquals(0, version.exitCode());
        assertEquals("vecforge " + Versions.vecforge(), version.out().trim());
    }

    @Test
    void topLevelHelpListsTheSubcommands() {
        Cli help = run("--help");
        assertEquals(0, help.exitCode());
        for (String command : new String[] {"build", "validate", "inspect", "search", "gen-data"}) {
            assertTrue(help.out().contains(command), help.out());
        }
    }

    @Test
    void validateHelpDocumentsEveryFailureExitCode() {
        String help = run("validate", "--help").out().replaceAll("\\s+", " ");
        for (Failure failure : Failure.of(Failure.Command.VALIDATE)) {
            assertTrue(help.contains(" " + failure.exitCode() + " " + failure.meaning()),
                    failure + " missing from:\n" + help);
        }
    }

    @Test
    void buildHelpDocumentsEveryFailureExitCode() {
        String help = run("build", "--help").out().replaceAll("\\s+", " ");
        for (Failure failure : Failure.of(Failure.Command.BUILD)) {
            assertTrue(help.contains(" " + failure.exitCode() + " " + failure.meaning()),
                    failure + " missing from:\n" + help);
        }
    }

    @Test
    void anUnknownConfigKeyIsAUsageError(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("index.properties");
        Files.writeString(config, "index.name=x\ninput.path=/nowhere\noutput.root=/tmp/x\nshard=4\n");
        Cli result = run("build", "--config", config.toString());
        assertEquals(2, result.exitCode());
        assertTrue(result.err().contains("unknown config key(s)") && result.err().contains("[shard]"), result.err());
    }

    @Test
    void validateOfAMissingBundleIsAUsageError(@TempDir Path dir) {
        Cli result = run("validate", dir.resolve("absent").toString());
        assertEquals(2, result.exitCode());
        assertTrue(result.err().contains("neither a bundle version"), result.err());
    }

    private static Cli run(String... args) {
        return Cli.run(args);
    }
}
