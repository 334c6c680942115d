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
    void genDataWritesTheIntrinsicDimensionItIsGivenAndRefusesOneOutsideTheDimension(@TempDir Path dir)
            throws Exception {
        for (int intrinsic : new int[] {4, 24}) {
            Path fvecs = dir.resolve("rows-" + intrinsic + ".fvecs");
            Cli gen = run("gen-data", "--output", dir.resolve("rows-" + intrinsic).toUri().toString(), "--rows", "50",
                    "--dim", "24", "--files", "1", "--seed", "3", "--intrinsic-dim", Integer.toString(intrinsic),
                    "--fvecs", fvecs.toString());
            assertEquals(0, gen.exitCode(), gen.err());
            float[] written = io.vecforge.bundle.Fvecs.read(fvecs).vectors();
            io.vecforge.data.SyntheticEmbeddings expected = new io.vecforge.data.SyntheticEmbeddings(3, 24,
                    io.vecforge.data.SyntheticEmbeddings.DEFAULT_CLUSTERS, intrinsic);
            float[] row = new float[24];
            expected.fill(49, row, 0);
            assertEquals(java.util.Arrays.toString(row),
                    java.util.Arrays.toString(java.util.Arrays.copyOfRange(written, 49 * 24, 50 * 24)));
        }
        for (String bad : new String[] {"0", "25"}) {
            Cli refused = run("gen-data", "--output", dir.resolve("bad-" + bad).toUri().toString(), "--rows", "5",
                    "--dim", "24", "--intrinsic-dim", bad);
            assertEquals(2, refused.exitCode(), refused.err());
            assertTrue(refused.err().contains("--intrinsic-dim must be within 1 .. --dim (24), got " + bad),
                    refused.err());
            assertTrue(Files.notExists(dir.resolve("bad-" + bad)), "nothing written");
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
