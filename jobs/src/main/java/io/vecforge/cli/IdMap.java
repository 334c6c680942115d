package io.vecforge.cli;

import io.vecforge.bundle.Manifest;
import java.io.IOException;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
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
            // read from a local copy checked against the manifest, as the shards are: a damaged map names wrong keys
            java.nio.file.Path local = Files.createTempFile("vecforge-idmap-", ".parquet");
            try {
                location.download(file.file(), file.bytes(), file.crc32c(), local);
                try (ParquetReader<Group> reader = ParquetReader.builder(new GroupReadSupport(),
                        new Path(local.toUri())).withConf(new Configuration()).build()) {
                    for (Group row = reader.read(); row != null; row = reader.read()) {
                        long id = row.getLong(0, 0);
                        if (wanted.contains(id)) {
                            found.put(id, external(row));
                        }
                    }
                }
            } finally {
                Files.deleteIfExists(local);
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
