package io.vecforge.jobs.input;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.SchemaElement;
import org.apache.parquet.format.Type;
import org.apache.parquet.format.Util;

/**
 * Names the column type when Spark reports an input file's footer as unreadable: Parquet's
 * reader in Spark 3.5 fails with "could not read footer" on logical types newer than it knows
 * (FLOAT16 first of all), which reads like a corrupt file. The footer's Thrift schema is read
 * directly, below the parser that fails.
 */
public final class ParquetTypeDiagnosis {
    private static final int MAX_FILES = 1000;

    private ParquetTypeDiagnosis() {}

    /** A message naming the first column of a type Spark cannot read, in any of the input's files. */
    static Optional<String> unreadableType(FileSystem fs, List<Path> files) {
        for (Path file : files.subList(0, Math.min(files.size(), MAX_FILES))) {
            try {
                Optional<String> found = unreadableType(readSchema(fs, file));
                if (found.isPresent()) {
                    return Optional.of(found.get() + " in " + file.getName());
                }
            } catch (IOException | RuntimeException notParquetAtAll) {
                // a really corrupt file: Spark's own message says so
            }
        }
        return Optional.empty();
    }

    /**
     * Why Spark could not open the input, read from the files' footers: the first file that is not
     * readable Parquet, or the first two files whose schemas differ. Empty when every footer reads
     * and all schemas are equal.
     */
    static Optional<Diagnosis> diagnose(FileSystem fs, List<Path> files) {
        List<SchemaElement> first = null;
        Path firstFile = null;
        for (Path file : files.subList(0, Math.min(files.size(), MAX_FILES))) {
            List<SchemaElement> schema;
            try {
                schema = readSchema(fs, file);
            } catch (IOException | RuntimeException e) {
                return Optional.of(new Diagnosis(false, "input file " + file + " is not readable Parquet ("
                        + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ")"));
            }
            if (first == null) {
                first = schema;
                firstFile = file;
            } else if (!first.equals(schema)) {
                return Optional.of(new Diagnosis(true, "input files " + firstFile.getName() + " and " + file.getName()
                        + " have different schemas"));
            }
        }
        return Optional.empty();
    }

    /** What {@link #diagnose} found: an unreadable file, or files whose schemas differ. */
    record Diagnosis(boolean schemasDiffer, String message) {}

    private static List<SchemaElement> readSchema(FileSystem fs, Path file) throws IOException {
        long length = fs.getFileStatus(file).getLen();
        try (FSDataInputStream in = fs.open(file)) {
            byte[] tail = new byte[8];
            in.readFully(length - 8, tail);
            int footerLength = ByteBuffer.wrap(tail, 0, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
            if (footerLength <= 0 || footerLength > length - 12) {
                throw new IOException("no Parquet footer");
            }
            in.seek(length - 8 - footerLength);
            FileMetaData metadata = Util.readFileMetaData(in);
            return metadata.getSchema();
        }
    }

    /** Walks the flattened schema (depth-first, with child counts) keeping each leaf's top-level column. */
    private static Optional<String> unreadableType(List<SchemaElement> schema) {
        Deque<int[]> open = new ArrayDeque<>(); // remaining children per open group
        String topLevel = null;
        for (int i = 1; i < schema.size(); i++) { // element 0 is the root
            SchemaElement element = schema.get(i);
            if (open.isEmpty()) {
                topLevel = element.getName();
            } else {
                open.peek()[0]--;
            }
            if (element.isSetNum_children() && element.getNum_children() > 0) {
                open.push(new int[] {element.getNum_children()});
            } else {
                String problem = problem(element);
                if (problem != null) {
                    return Optional.of("column '" + topLevel + "' holds " + problem + ", which Spark cannot read;"
                            + " write vectors as list<float32> (or list<float64>)");
                }
            }
            while (!open.isEmpty() && open.peek()[0] == 0) {
                open.pop();
            }
        }
        return Optional.empty();
    }

    private static String problem(SchemaElement element) {
        boolean unknownLogicalType = element.isSetLogicalType() && element.getLogicalType().getSetField() == null;
        if (element.getType() == Type.FIXED_LEN_BYTE_ARRAY && element.getType_length() == 2 && unknownLogicalType) {
            return "float16 values (Parquet FIXED_LEN_BYTE_ARRAY(2) with the FLOAT16 logical type)";
        }
        if (unknownLogicalType) {
            return "values of a Parquet logical type newer than this reader (physical type " + element.getType()
                    + ")";
        }
        return null;
    }
}
