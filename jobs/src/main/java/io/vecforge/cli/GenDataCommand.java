package io.vecforge.cli;

import io.vecforge.bundle.s3.S3Settings;
import io.vecforge.data.EmbeddingParquetWriter;
import io.vecforge.data.GenerationResult;
import io.vecforge.data.SyntheticEmbeddings;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "gen-data", description = {"Writes deterministic synthetic clustered embeddings to Parquet, for demos, tests and"
            + " benchmarks.", "Rows get ids 0..rows-1; the same seed always gives the same vectors."})
final class GenDataCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = {"-o", "--output"}, required = true, description = "Output directory (any Hadoop URI); must not exist.")
    String output;

    @Option(names = "--rows", defaultValue = "200000", description = "Rows (default: ${DEFAULT-VALUE}).")
    long rows;

    @Option(names = "--dim", defaultValue = "64", description = "Dimension (default: ${DEFAULT-VALUE}).")
    int dim;

    @Option(names = "--files", defaultValue = "4", description = "Parquet files (default: ${DEFAULT-VALUE}).")
    int files;

    @Option(names = "--seed", defaultValue = "1", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--id-column", defaultValue = "id")
    String idColumn;

    @Option(names = "--vector-column", defaultValue = "vector")
    String vectorColumn;

    @Option(names = "--intrinsic-dim", description = {"Dimensions the clusters and their spread live in before the"
            + " projection to --dim (default: 16, or --dim if smaller). --dim gives data without a low-dimensional"
            + " structure, where PCA to fewer dimensions loses."})
    Integer intrinsicDim;

    @Option(names = "--fvecs", description = "Also write every vector, in id order, to this local .fvecs file.")
    java.nio.file.Path fvecs;

    @Option(names = "--delta-of", paramLabel = "BASE_ROWS", description = {"Write a delta (for build --mode delta)"
            + " of --rows rows against the BASE_ROWS rows this command writes with the same --seed and --dim: of every"
            + " four rows, two delete an existing id, one gives an existing id a new vector, one inserts a new id"
            + " (BASE_ROWS, BASE_ROWS+1, …). Its op column holds upsert or delete."})
    Long deltaOf;

    @Option(names = "--op-column", defaultValue = "op", description = "The delta's op column (default: ${DEFAULT-VALUE}).")
    String opColumn;

    @Override
    public Integer call() throws Exception {
        long start = System.nanoTime();
        if (deltaOf != null) {
            if (fvecs != null) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--fvecs writes a full data set;"
                        + " it does not go with --delta-of");
            }
            if (intrinsicDim != null) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--intrinsic-dim does not go"
                        + " with --delta-of: a delta is written against the default data set");
            }
            GenerationResult delta = EmbeddingParquetWriter.generateDelta(S3Settings.fromEnvironment(),
                    new Path(output), deltaOf, rows, dim, files, seed, idColumn, vectorColumn, opColumn);
            out().printf(Locale.ROOT, "wrote a delta of %,d rows x %d against %,d rows into %d files under %s (%,d"
                    + " bytes, %.1f s)%n", delta.rows(), delta.dim(), deltaOf, delta.files(), output,
                    delta.bytesWritten(), (System.nanoTime() - start) / 1e9);
            return 0;
        }
        int intrinsic = intrinsicDim != null ? intrinsicDim : Math.min(SyntheticEmbeddings.DEFAULT_INTRINSIC_DIM, dim);
        if (intrinsic <= 0 || intrinsic > dim) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--intrinsic-dim must be within 1 .. --dim (" + dim + "), got " + intrinsic);
        }
        GenerationResult result = EmbeddingParquetWriter.generate(S3Settings.fromEnvironment(), new Path(output),
                rows, dim, files, seed, idColumn, vectorColumn, fvecs, intrinsic);
        out().printf(Locale.ROOT, "wrote %,d rows x %d into %d files under %s (%,d bytes, %.1f s)%n",
                result.rows(), result.dim(), result.files(), output, result.bytesWritten(),
                (System.nanoTime() - start) / 1e9);
        return 0;
    }

    private java.io.PrintWriter out() {
        return spec.commandLine().getOut();
    }
}
