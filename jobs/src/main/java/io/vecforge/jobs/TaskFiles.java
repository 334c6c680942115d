package io.vecforge.jobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.SparkFiles;
import org.apache.spark.TaskContext;

/**
 * Scratch files of a Spark task: in the executor's own directory (under the worker's work dir, or
 * local mode's spark-* dir), which Spark removes with the application, so an executor killed
 * mid-task leaves nothing in the system temp directory. Outside a task: the temp directory.
 */
public final class TaskFiles {
    private TaskFiles() {}

    public static Path createTemp(String prefix, String suffix) throws IOException {
        if (TaskContext.get() == null) {
            return Files.createTempFile(prefix, suffix);
        }
        return Files.createTempFile(Path.of(SparkFiles.getRootDirectory()), prefix, suffix);
    }
}
