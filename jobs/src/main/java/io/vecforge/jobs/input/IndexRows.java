package io.vecforge.jobs.input;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.vecforge.bundle.BundleLayout;
import io.vecforge.bundle.BundleStorage;
import io.vecforge.bundle.Manifest;
import io.vecforge.bundle.StorageEntry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.storage.StorageLevel;
import scala.collection.JavaConverters;

/**
 * The accepted rows as every later stage reads them: (id, vector as float, order). External ids
 * (strings, several columns) are mapped to dense int64 ids here, and the map is written into the
 * version as Parquet; {@link #close} releases the joined rows Spark keeps for the later stages.
 */
public final class IndexRows implements AutoCloseable {
    private final Dataset<Row> rows;
    private final List<Manifest.BundleFile> idMapFiles;
    private final boolean persisted;

    private IndexRows(Dataset<Row> rows, List<Manifest.BundleFile> idMapFiles, boolean persisted) {
        this.rows = rows;
        this.idMapFiles = idMapFiles;
        this.persisted = persisted;
    }

    public static IndexRows of(SparkSession spark, InputTable input, Dataset<Row> accepted, Path versionDir,
            BundleStorage storage) throws IOException {
        Column vector = col("`" + input.vectorColumn() + "`").cast("array<float>").as("vector");
        Column order = orderColumn(input);
        if (!input.externalIds()) {
            return new IndexRows(accepted.select(col("`" + input.idColumns().get(0) + "`").cast("long").as("id"),
                    vector, order), List.of(), false);
        }
        Dataset<Row> map = ExternalIds.assign(spark, accepted, input.idColumns());
        Path mapDir = new Path(versionDir, BundleLayout.ID_MAP);
        map.orderBy(ExternalIds.ID).write().parquet(mapDir.toString());
        List<Manifest.BundleFile> files = new ArrayList<>();
        for (StorageEntry file : storage.list(mapDir)) {
            if (file.name().endsWith(".parquet")) {
                String relative = BundleLayout.ID_MAP + "/" + file.name();
                files.add(new Manifest.BundleFile(Manifest.FileRole.ID_MAP, relative, storage.digest(file.path())));
            } else {
                storage.delete(file.path());
            }
        }
        Dataset<Row> mapped = accepted.join(map, JavaConverters.asScalaBuffer(input.idColumns()).toSeq())
                .select(col(ExternalIds.ID).as("id"), vector, order)
                .persist(StorageLevel.DISK_ONLY());
        return new IndexRows(mapped, files, true);
    }

    public Dataset<Row> rows() {
        return rows;
    }

    /** The id map's files, for the manifest (empty when ids are used as they are). */
    public List<Manifest.BundleFile> idMapFiles() {
        return idMapFiles;
    }

    @Override
    public void close() {
        if (persisted) {
            rows.unpersist();
        }
    }

    /** The ordering column as a long: the configured one (timestamps in µs, dates in days), else 0. */
    static Column orderColumn(InputTable input) {
        if (input.orderColumn() == null) {
            return lit(0L).as("order");
        }
        Column column = col("`" + input.orderColumn() + "`");
        DataType type = input.raw().schema().apply(input.orderColumn()).dataType();
        if (type.equals(DataTypes.TimestampType)) {
            return functions.unix_micros(column).as("order");
        }
        if (type.equals(DataTypes.DateType)) {
            return functions.unix_date(column).cast("long").as("order");
        }
        return column.cast("long").as("order");
    }
}
