package io.vecforge.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
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

/**
 * index.factory=auto: the factory chosen for (rows, dimension, budget) builds shards that fit the budget; a PQ
 * code is compared on the sample with PCA to as many dimensions and SQ8 (the synthetic rows have 16 intrinsic
 * dimensions, so PCA to 16 keeps them).
 */
class AutoFactoryBuildTest extends SparkTestSupport {
    @TempDir
    static Path dir;

    @ParameterizedTest(name = "{0} x {1} in {2}")
    @CsvSource(delimiter = '|', value = {"20000 | 32 | 2m | 256 | IVF256,SQ8",
            "20000 | 32 | 600k | 128 | PCAR16,IVF128,SQ8", "30000 | 64 | 1m | 128 | PCAR16,IVF128,SQ8"})
    void theChosenFactoryFitsTheBudget(int rows, int dim, String budget, int nlist, String factory)
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
        Manifest.AutoFactory auto = manifest.vectors().auto();
        assertEquals(factory, manifest.vectors().factory(), auto.reasoning() + " " + auto.trial());
        if (factory.startsWith("IVF") && factory.endsWith(",SQ8")) {
            assertNull(auto.trial(), "SQ8 at the full dimension has nothing of its size to be compared with");
        } else {
            // a PQ code is tried against PCA to as many dimensions, SQ8; the better recall on the sample is kept
            assertEquals(2, auto.trial().size(), auto.trial().toString());
            Manifest.CodecTrial kept = auto.trial().stream()
                    .max(java.util.Comparator.comparingDouble(Manifest.CodecTrial::sampleRecall)).orElseThrow();
            assertEquals(manifest.vectors().factory(), kept.factory(), auto.trial().toString());
            assertEquals(kept.estimatedBytes(), auto.estimatedBytes());
            assertTrue(auto.trial().get(0).factory().contains(",PQ"), auto.trial().toString());
            // the report shows the trial to people too
            String report = Files.readString(Path.of(java.net.URI.create(result.versionDir())).resolve("report.html"));
            for (Manifest.CodecTrial candidate : auto.trial()) {
                String shown = String.format(java.util.Locale.ROOT, "%s %.4f%s", candidate.factory(),
                        candidate.sampleRecall(), candidate == kept ? " (kept)" : "");
                assertTrue(report.contains(shown), shown + " not in the report");
            }
        }
        long shardBytes = manifest.shards().stream().mapToLong(s -> s.bytes()).sum();
        System.out.printf("auto: %d x %d in %,d bytes -> %s: shards %,d bytes, estimated %,d%n", rows, dim,
                budgetBytes, manifest.vectors().factory(), shardBytes, manifest.vectors().auto().estimatedBytes());
        assertTrue(shardBytes <= budgetBytes, shardBytes + " bytes of shards exceed the budget " + budgetBytes);
        assertTrue(shardBytes <= manifest.vectors().auto().estimatedBytes(), "the estimate is an upper bound");
        assertEquals(budgetBytes, manifest.vectors().auto().maxMemoryBytes());
        assertTrue(manifest.vectors().auto().reasoning().contains("; nlist " + nlist + " "),
                manifest.vectors().auto().reasoning());
        Cli validate = Cli.run("validate", result.versionDir());
        assertEquals(0, validate.exitCode(), validate.out());
    }
}
