package io.vecforge.cli;

import io.vecforge.bundle.Manifest;
import io.vecforge.bundle.s3.S3Settings;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;

/** Looks up the external ids of index ids in a bundle's id map (Parquet: id, then the external id columns). */
final class IdMap {
    private IdMap() {}

    /** External id of each wanted index id, as "value" or "column=value,…" for composite ids. */
    static Map<Long, String> lookup(BundleLocation location, Manifest manifest, Set<Long> wanted) throws IOException {
        Map<Long, String> found = new HashMap<>();
        for (Manifest.BundleFile file : manifest.files()) {
            if (file.role() != Manifest.FileRole.ID_MAP) {
                continue;
            }
            Path path = new Path(location.versionDir(), file.file());
            try (ParquetReader<Group> reader = ParquetReader.builder(new GroupReadSupport(), path)
                    .withConf(S3Settings.fromEnvironment()).build()) {
                for (Group row = reader.read(); row != null; row = reader.read()) {
                    long id = row.getLong(0, 0);
                    if (wanted.contains(id)) {
                        found.put(id, external(row));
                    }
                }
            }
        }
        return found;
    }

    private static String external(Group row) {
        int fields = row.getType().getFieldCount();
        if (fields == 2) {
            return row.getValueToString(1, 0);
        }
        StringBuilder key = new StringBuilder();
        for (int i = 1; i < fields; i++) {
            if (i > 1) {
                key.append(',');
            }
            key.append(row.getType().getFieldName(i)).append('=').append(row.getValueToString(i, 0));
        }
        return key.toString();
    }
}
