package io.vecforge.jobs.input;

import io.vecforge.Failure;
import io.vecforge.jobs.BuildFailedException;
import io.vecforge.jobs.config.BuildConfig;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** Opens the input dataset: present, ready, readable, one schema, the expected columns. */
public final class InputReader {
    /**
     * Inputs of more files have their footers read by Spark jobs on the executors instead of the driver's few
     * threads (a thousand footers on S3 take the driver seconds; a hundred thousand, minutes).
     */
    static final int DRIVER_FOOTER_FILES = 1_000;

    private InputReader() {}

    public static InputTable open(SparkSession spark, BuildConfig config, Configuration hadoopConf) {
        return open(spark, config, hadoopConf, DRIVER_FOOTER_FILES);
    }

    static InputTable open(SparkSession spark, BuildConfig config, Configuration hadoopConf, int driverFooterFiles) {
        Path path = new Path(config.input().path());
        List<FileStatus> files = checkPresentAndReady(path, config.input().requireSuccess(), hadoopConf);
        Dataset<Row> raw;
        long rows;
        int vectorSize = 0;
        try {
            if (files.size() <= driverFooterFiles) {
                // Every file's footer, merged as mergeSchema would (a corrupt file or a conflicting schema fails
                // here), on the driver: Spark then infers nothing, and the row count needs no job either.
                InputFooters.Summary footers = InputFooters.read(spark, hadoopConf, files,
                        config.input().vectorColumn());
                raw = spark.read().schema(footers.schema()).parquet(config.input().path());
                rows = footers.rows();
                vectorSize = footers.vectorSize();
            } else {
                // the same merge and count as Spark jobs (mergeSchema reads every footer; count reads no vector)
                raw = spark.read().option("mergeSchema", "true").parquet(config.input().path());
                rows = raw.count();
            }
        } catch (Exception e) {
            String cause = BuildFailedException.rootCause(e);
            Optional<String> type = unreadableType(path, hadoopConf);
            if (type.isPresent()) {
                throw BuildFailedException.of(Failure.INPUT_SCHEMA, "input " + config.input().path() + ": "
                        + type.get());
            }
            Optional<ParquetTypeDiagnosis.Diagnosis> found = diagnose(path, hadoopConf);
            if (found.isPresent() && found.get().schemasDiffer()) {
                throw BuildFailedException.of(Failure.INPUT_UNREADABLE, "the files of input " + config.input().path()
                        + " disagree on schema (" + found.get().message() + "): " + cause);
            }
            throw BuildFailedException.of(Failure.INPUT_UNREADABLE, found.map(d -> d.message() + "; ").orElse("")
                    + "cannot read input " + config.input().path() + ": " + causes(e));
        }
        boolean external = InputSchema.check(raw.schema(), config.input().idColumns(), config.input().vectorColumn(),
                config.input().orderColumn());
        return new InputTable(raw, rows, files, config.input().idColumns(), external, config.input().vectorColumn(),
                config.input().orderColumn(), vectorSize);
    }

    /** Every distinct message down the cause chain: Spark names the file in an outer one. */
    private static String causes(Throwable e) {
        java.util.LinkedHashSet<String> messages = new java.util.LinkedHashSet<>();
        for (Throwable t = e; t != null && messages.size() < 6; t = t.getCause() == t ? null : t.getCause()) {
            if (t.getMessage() != null) {
                messages.add(t.getMessage().lines().findFirst().orElse(""));
            }
        }
        return String.join("; caused by: ", messages);
    }

    /** The input's data files, once it is present and ready. */
    private static List<FileStatus> checkPresentAndReady(Path path, boolean requireSuccess, Configuration conf) {
        try {
            FileSystem fs = path.getFileSystem(conf);
            if (!fs.exists(path)) {
                throw BuildFailedException.of(Failure.INPUT_MISSING, "input path " + path + " does not exist");
            }
            if (requireSuccess && fs.getFileStatus(path).isDirectory() && !fs.exists(new Path(path, "_SUCCESS"))) {
                throw BuildFailedException.of(Failure.INPUT_NOT_READY, "input " + path
                        + " has no _SUCCESS marker (input.require-success=true): the upstream job has not finished");
            }
            List<FileStatus> files = dataFiles(fs, path, Integer.MAX_VALUE);
            if (files.isEmpty()) {
                throw BuildFailedException.of(Failure.INPUT_MISSING, "input " + path + " contains no Parquet"
                        + " files (hidden files and directories such as _temporary/ of an unfinished job do not"
                        + " count)");
            }
            return files;
        } catch (FileNotFoundException e) {
            throw BuildFailedException.of(Failure.INPUT_MISSING, "input path " + path + " does not exist");
        } catch (IOException e) {
            throw BuildFailedException.of(Failure.INPUT_UNREADABLE,
                    "cannot list input " + path + ": " + e.getMessage());
        }
    }

    private static Optional<ParquetTypeDiagnosis.Diagnosis> diagnose(Path path, Configuration conf) {
        try {
            FileSystem fs = path.getFileSystem(conf);
            return ParquetTypeDiagnosis.diagnose(fs, paths(dataFiles(fs, path, 1000)));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> unreadableType(Path path, Configuration conf) {
        try {
            FileSystem fs = path.getFileSystem(conf);
            return ParquetTypeDiagnosis.unreadableType(fs, paths(dataFiles(fs, path, 1000)));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Up to {@code limit} files Spark reads: non-empty, and neither the file nor a directory on its way below the
     * input is hidden by Spark's rule (a name starting with '.', or with '_' unless it is a partition directory
     * like _p=1, as _temporary/ of a job still writing; a ._COPYING_ file being uploaded).
     */
    private static List<FileStatus> dataFiles(FileSystem fs, Path path, int limit) throws IOException {
        Path root = fs.makeQualified(path);
        int rootDepth = root.depth();
        List<FileStatus> found = new ArrayList<>();
        RemoteIterator<LocatedFileStatus> files = fs.listFiles(root, true);
        while (files.hasNext() && found.size() < limit) {
            LocatedFileStatus file = files.next();
            if (file.getLen() > 0 && !hidden(file.getPath(), rootDepth)) {
                found.add(file);
            }
        }
        return found;
    }

    private static List<Path> paths(List<FileStatus> files) {
        return files.stream().map(FileStatus::getPath).toList();
    }

    private static boolean hidden(Path file, int rootDepth) {
        for (Path p = file; p != null && p.depth() > rootDepth; p = p.getParent()) {
            String name = p.getName();
            if ((name.startsWith("_") && !name.contains("=")) || name.startsWith(".") || name.endsWith("._COPYING_")) {
                return true;
            }
        }
        return false;
    }
}
