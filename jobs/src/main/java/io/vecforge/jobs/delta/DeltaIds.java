package io.vecforge.jobs.delta;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.max;

import io.vecforge.Failure;
import io.vecforge.bundle.BundleLayout;
import io.vecforge.bundle.BundleStorage;
import io.vecforge.bundle.FileDigest;
import io.vecforge.bundle.Manifest;
import io.vecforge.bundle.StorageEntry;
import io.vecforge.jobs.BuildFailedException;
import io.vecforge.jobs.input.ExternalIds;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.storage.StorageLevel;
import scala.collection.JavaConverters;
import scala.collection.Seq;

/**
 * A delta's external ids (string or composite id columns) as int64 index ids, through the base's id
 * map: a key the map holds keeps its id, so an upsert replaces and a delete removes that row; a new
 * key gets the next id after the map's largest, keys sorted, so the same delta on the same base
 * always numbers alike. A delete of a key the map lacks gets a number too and, as the base does not
 * hold it, counts as a delete of a missing id. The new version's id map is the base's files, copied
 * and checked, plus one file of the new keys that an upsert names; a key whose row a delta deletes
 * stays mapped (its id is simply not in the index), so a key that returns gets its old id back.
 */
final class DeltaIds {
    private static final String NEW_ID = "_new_id";

    /** The mapped rows, the new keys' count, the id map files; {@link #release} once the rows are consumed. */
    record Mapped(Dataset<Row> rows, long newKeys, List<Manifest.BundleFile> files, Dataset<Row> numbered) {
        void release() {
            numbered.unpersist(false);
        }
    }

    private DeltaIds() {}

    /**
     * @param accepted the delta's accepted rows as (key columns…, upsert, vector, order)
     * @return the rows as (id, upsert, vector, order), and the new version's id map files
     */
    static Mapped map(SparkSession spark, Dataset<Row> accepted, List<String> keyColumns, BundleStorage storage,
            Path baseDir, Manifest base, Path versionDir, String version) throws IOException {
        if (!base.ids().columns().equals(keyColumns)) {
            throw BuildFailedException.of(Failure.INPUT_SCHEMA, "the delta's id columns " + keyColumns + " are not the"
                    + " base's " + base.ids().columns() + " (input.id-columns)");
        }
        List<Manifest.BundleFile> files = new ArrayList<>();
        List<String> baseMap = new ArrayList<>();
        for (Manifest.BundleFile file : base.files()) {
            if (file.role() == Manifest.FileRole.ID_MAP) {
                files.add(DeltaBuildJob.copy(storage, baseDir, versionDir, file));
                baseMap.add(storage.qualify(new Path(versionDir, file.file())).toString());
            }
        }
        if (baseMap.isEmpty()) {
            throw BuildFailedException.of(Failure.DELTA_REFUSED, "delta refused: base " + base.version() + " maps"
                    + " external ids but lists no id map file; run a full build (build.mode=full)");
        }
        Dataset<Row> map = spark.read().parquet(baseMap.toArray(String[]::new));
        requireSameKeyTypes(map, accepted, keyColumns);
        Row largest = map.agg(max(col(ExternalIds.ID))).first();
        long firstNew = largest.isNullAt(0) ? 0 : largest.getLong(0) + 1;

        Seq<String> keys = JavaConverters.asScalaBuffer(keyColumns).toSeq();
        Dataset<Row> keyed = accepted.join(map, keys, "left");
        Dataset<Row> fresh = ExternalIds.assign(spark, keyed.where(col(ExternalIds.ID).isNull()), keyColumns,
                firstNew).persist(StorageLevel.MEMORY_AND_DISK());
        Column[] keyCols = keyColumns.stream().map(c -> col("`" + c + "`")).toArray(Column[]::new);
        Dataset<Row> upserted = accepted.where(col("upsert")).select(keyCols).distinct();
        Dataset<Row> newEntries = fresh.join(upserted, keys, "left_semi")
                .select(concat(col(ExternalIds.ID), keyCols)).orderBy(col(ExternalIds.ID));
        Path staged = new Path(new Path(versionDir, BundleLayout.WORK), "new-keys");
        newEntries.coalesce(1).write().parquet(staged.toString());
        long newKeys = spark.read().parquet(staged.toString()).count();
        if (newKeys > 0) {
            files.add(publishNewKeys(storage, staged, versionDir, version));
        }
        Dataset<Row> rows = keyed.join(fresh.withColumnRenamed(ExternalIds.ID, NEW_ID), keys, "left")
                .select(coalesce(col(ExternalIds.ID), col(NEW_ID)).as("id"), col("upsert"), col("vector"),
                        col("order"));
        return new Mapped(rows, newKeys, files, fresh);
    }

    /** The staged new keys as idmap/delta-<version>.parquet, with their digest. */
    private static Manifest.BundleFile publishNewKeys(BundleStorage storage, Path staged, Path versionDir,
            String version) throws IOException {
        List<StorageEntry> parts = storage.list(staged).stream().filter(e -> e.name().endsWith(".parquet")).toList();
        if (parts.size() != 1) {
            throw new IOException("expected one Parquet file of new keys in " + staged + ", found " + parts.size());
        }
        String name = BundleLayout.ID_MAP + "/delta-" + version + ".parquet";
        java.nio.file.Path local = Files.createTempFile("vecforge-new-keys-", ".parquet");
        try {
            storage.download(parts.get(0).path(), local);
            FileDigest digest = storage.upload(local, new Path(versionDir, name));
            return new Manifest.BundleFile(Manifest.FileRole.ID_MAP, name, digest);
        } finally {
            Files.deleteIfExists(local);
        }
    }

    private static void requireSameKeyTypes(Dataset<Row> map, Dataset<Row> delta, List<String> keyColumns) {
        for (String key : keyColumns) {
            DataType mapped = map.schema().apply(key).dataType();
            DataType given = delta.schema().apply(key).dataType();
            if (!mapped.equals(given)) {
                throw BuildFailedException.of(Failure.INPUT_SCHEMA, "id column '" + key + "' is "
                        + given.simpleString() + " in the delta and " + mapped.simpleString() + " in the base's id map");
            }
        }
    }

    private static Column[] concat(Column first, Column[] rest) {
        Column[] all = Arrays.copyOf(new Column[] {first}, rest.length + 1);
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }
}
