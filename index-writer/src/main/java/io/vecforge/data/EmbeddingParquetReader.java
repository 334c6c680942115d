package io.vecforge.data;

import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.MessageType;

/**
 * Reads (id, vector) rows, in order, from one Parquet file or from every {@code *.parquet} file
 * of a directory (by name; names starting with {@code _} or {@code .} skipped). Only the two
 * columns are read. The id may be int64 or int32; the vector a list of float or double (doubles
 * are narrowed to float) in the standard three-level layout, a legacy two-level one, or a bare
 * repeated column. Each file's schema is checked when that file is reached; the first file's
 * already in {@link #open}.
 *
 * <p>Not thread-safe.
 */
public final class EmbeddingParquetReader implements Closeable, io.vecforge.writer.shard.EmbeddingCursor {
    private final Configuration conf;
    private final List<Path> files;
    private final String idColumn;
    private final String vectorColumn;
    private final CurrentRow row = new CurrentRow();

    private int fileIndex = -1;
    private ParquetFileReader fileReader;
    private RecordReader<CurrentRow> recordReader;
    private MessageColumnIO columnIO;
    private EmbeddingSchema.ListLayout layout;
    private long rowsLeftInGroup;
    private long positionInFile;
    private long rowsRead;
    private boolean positioned;

    private EmbeddingParquetReader(Configuration conf, List<Path> files, String idColumn,
            String vectorColumn) {
        this.conf = conf;
        this.files = files;
        this.idColumn = idColumn;
        this.vectorColumn = vectorColumn;
    }

    /**
     * @throws IllegalArgumentException if a directory holds no Parquet files, or the first file
     *     lacks either column or has it in an unusable type
     */
    public static EmbeddingParquetReader open(Configuration conf, Path path, String idColumn,
            String vectorColumn) throws IOException {
        EmbeddingSchema.checkNames(idColumn, vectorColumn);
        EmbeddingParquetReader reader =
                new EmbeddingParquetReader(conf, listFiles(conf, path), idColumn, vectorColumn);
        try {
            reader.openNextFile();
        } catch (IOException | RuntimeException e) {
            reader.close();
            throw e;
        }
        return reader;
    }

    private static List<Path> listFiles(Configuration conf, Path path) throws IOException {
        FileSystem fs = path.getFileSystem(conf);
        FileStatus status = fs.getFileStatus(path);
        if (!status.isDirectory()) {
            return List.of(status.getPath());
        }
        List<Path> files = new ArrayList<>();
        for (FileStatus child : fs.listStatus(path)) {
            String name = child.getPath().getName();
            if (child.isFile() && name.endsWith(".parquet") && !name.startsWith("_")
                    && !name.startsWith(".")) {
                files.add(child.getPath());
            }
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no *.parquet files in directory " + path);
        }
        files.sort(Comparator.comparing(Path::getName));
        return files;
    }

    /**
     * Moves to the next row.
     *
     * @return false once every file is exhausted
     * @throws IllegalStateException if the row's id or vector, or an element of its vector, is null
     */
    public boolean next() throws IOException {
        positioned = false;
        while (rowsLeftInGroup == 0) {
            if (!nextRowGroup()) {
                return false;
            }
        }
        recordReader.read();
        rowsLeftInGroup--;
        positionInFile++;
        rowsRead++;
        checkRow();
        positioned = true;
        return true;
    }

    /** The current row's id. */
    public long id() {
        checkPositioned();
        return row.id;
    }

    /**
     * The current row's vector. The array is owned by this reader and is overwritten by later
     * calls to {@link #next()} (while vectors keep the same length): copy it to keep it.
     */
    public float[] vector() {
        checkPositioned();
        return row.vector();
    }

    /** Rows returned by {@link #next()} so far, over all files. */
    public long rowsRead() {
        return rowsRead;
    }

    @Override
    public void close() throws IOException {
        positioned = false;
        recordReader = null;
        if (fileReader != null) {
            ParquetFileReader open = fileReader;
            fileReader = null;
            open.close();
        }
        fileIndex = files.size();
    }

    private boolean nextRowGroup() throws IOException {
        if (fileReader != null) {
            PageReadStore pages = fileReader.readNextRowGroup();
            if (pages != null) {
                recordReader = columnIO.getRecordReader(pages, row.materializer(layout));
                rowsLeftInGroup = pages.getRowCount();
                return true;
            }
        }
        return openNextFile();
    }

    private boolean openNextFile() throws IOException {
        if (fileReader != null) {
            fileReader.close();
            fileReader = null;
        }
        if (++fileIndex >= files.size()) {
            return false;
        }
        Path file = files.get(fileIndex);
        fileReader = ParquetFileReader.open(HadoopInputFile.fromPath(file, conf));
        MessageType schema = fileReader.getFooter().getFileMetaData().getSchema();
        EmbeddingSchema.Resolved resolved =
                EmbeddingSchema.resolve(schema, idColumn, vectorColumn, file.toString());
        fileReader.setRequestedSchema(resolved.projection());
        columnIO = new ColumnIOFactory(fileReader.getFooter().getFileMetaData().getCreatedBy())
                .getColumnIO(resolved.projection(), schema, true);
        layout = resolved.layout();
        positionInFile = 0;
        rowsLeftInGroup = 0;
        return true;
    }

    private void checkRow() {
        if (!row.hasId) {
            throw new IllegalStateException(where() + " has a null id ('" + idColumn + "')");
        }
        if (!row.hasVector) {
            throw new IllegalStateException(
                    where() + " (id " + row.id + ") has a null vector ('" + vectorColumn + "')");
        }
        if (row.hasNullElement) {
            throw new IllegalStateException(where() + " (id " + row.id
                    + ") has a null element in its vector ('" + vectorColumn + "')");
        }
    }

    private String where() {
        return "row " + (positionInFile - 1) + " of " + files.get(fileIndex);
    }

    private void checkPositioned() {
        if (!positioned) {
            throw new IllegalStateException("no current row: call next() first and check that it returned true");
        }
    }
}
