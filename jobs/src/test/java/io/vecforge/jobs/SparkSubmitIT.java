package io.vecforge.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecforge.bundle.BundleLayout;
import io.vecforge.data.EmbeddingParquetWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged spark-submit jar (Spark provided, Faiss's JNI library inside) run by a real
 * spark-submit from the Spark distribution in the pyspark wheel (installed by scripts/setup.sh).
 */
class SparkSubmitIT {
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final Path SPARK_HOME = REPO.resolve(".venv-spark/spark-home");

    @Test
    void scriptsSparkSubmitBuildsAndPublishes(@TempDir Path dir) throws Exception {
        Path sparkSubmit = SPARK_HOME.resolve("bin/spark-submit");
        assertTrue(Files.isExecutable(sparkSubmit), sparkSubmit + " is missing: run scripts/setup.sh");
        Path input = dir.resolve("input");
        EmbeddingParquetWriter.generate(new Configuration(), new org.apache.hadoop.fs.Path(input.toUri()), 30_000, 32,
                3, 11, "id", "vector");
        Path root = dir.resolve("bundles");

        Path log = dir.resolve("spark-submit.log");
        ProcessBuilder submit = new ProcessBuilder(List.of(REPO.resolve("scripts/spark-submit.sh").toString(),
                "--master", "local[2]", "--conf", "spark.ui.enabled=false", "--",
                "build", "--config", REPO.resolve("conf/example-index.properties").toString(),
                "--index", "submitted", "--input", input.toUri().toString(), "--output", root.toUri().toString(),
                "--set", "index.factory=IVF64,PQ8np", "--set", "validate.queries=100"))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        submit.environment().put("SPARK_HOME", SPARK_HOME.toString());
        submit.environment().put("SPARK_SUBMIT", sparkSubmit.toString());
        submit.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        Process process = submit.start();
        assertTrue(process.waitFor(5, TimeUnit.MINUTES), "spark-submit timed out");
        String output = Files.readString(log);
        assertEquals(0, process.exitValue(), output);
        assertTrue(output.contains("published submitted version"), output);

        Path indexDir = root.resolve("submitted");
        String version = Files.readString(indexDir.resolve(BundleLayout.LATEST)).trim();
        assertTrue(Files.exists(indexDir.resolve(version).resolve(BundleLayout.SUCCESS)));
        Cli validate = Cli.run("validate", indexDir.toString());
        assertEquals(0, validate.exitCode(), validate.out());
    }
}
