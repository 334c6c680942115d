package io.vecforge.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecforge.bundle.Manifest;
import io.vecforge.data.EmbeddingParquetWriter;
import io.vecforge.jobs.config.BuildConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** index.factory=auto: the factory chosen for (rows, dimension, budget) builds shards that fit the budget. */
class AutoFactoryBuildTest extends SparkTestSupport {
    @TempDir
    static Path dir;

    @ParameterizedTest(name = "{0} x {1} in {2}")
    @CsvSource({"20000, 32, 2m, IVF256,SQ8", "20000, 32, 600k, IVF128,PQ16np", "30000, 64, 1m, IVF128,PQ16np"})
    void theChosenFactoryFitsTheBudget(int rows, int dim, String budget, String nlistPart, String codePart)
            throws IOException {
        Path input = dir.resolve("input-" + rows + "-" + dim);
        if (!Files.exists(input)) {
            EmbeddingParquetWriter.generate(new Configuration(), new org.apache.hadoop.fs.Path(input.toUri()), rows,
                    dim, 2, 17, "id", "vector");
        }
        BuildConfig config = BuildConfig.of(Map.of("index.name", "auto", "input.path", input.toUri().toString(),
                "output.root", dir.resolve("root-" + budget).toUri().toString(), "index.factory", "auto",
                "index.max-memory", budget, "shards", "2", "validate.queries", "50", "validate.min-recall", "0"),
                "test");
        long budgetBytes = config.index().maxMemory();

        BuildResult result = new BuildJob(spark(), config).run();

        Manifest manifest = result.manifest();
        assertEquals(nlistPart + "," + codePart, manifest.vectors().factory(), manifest.vectors().auto().reasoning());
        long shardBytes = manifest.shards().stream().mapToLong(s -> s.bytes()).sum();
        System.out.printf("auto: %d x %d in %,d bytes -> %s: shards %,d bytes, estimated %,d%n", rows, dim,
                budgetBytes, manifest.vectors().factory(), shardBytes, manifest.vectors().auto().estimatedBytes());
        assertTrue(shardBytes <= budgetBytes, shardBytes + " bytes of shards exceed the budget " + budgetBytes);
        assertTrue(shardBytes <= manifest.vectors().auto().estimatedBytes(), "the estimate is an upper bound");
        assertEquals(budgetBytes, manifest.vectors().auto().maxMemoryBytes());
        assertTrue(manifest.vectors().auto().reasoning().contains("; " + nlistPart.replace("IVF", "nlist ")),
                manifest.vectors().auto().reasoning());
        Cli validate = Cli.run("validate", result.versionDir());
        assertEquals(0, validate.exitCode(), validate.out());
    }
}
