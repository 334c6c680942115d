package io.vecforge.bundle;

import org.apache.hadoop.fs.Path;

/** One entry of a storage directory listing. */
public record StorageEntry(Path path, boolean isDirectory, long length, long modifiedMillis) {
    public String name() {
        return path.getName();
    }

    public boolean isFile() {
        return !isDirectory;
    }
}
