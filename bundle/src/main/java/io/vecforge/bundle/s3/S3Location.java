package io.vecforge.bundle.s3;

import org.apache.hadoop.fs.Path;

/** A bucket and key, from an s3:// or s3a:// path (Hadoop's Path has already resolved "." and ".."). */
record S3Location(String scheme, String bucket, String key) {
    static S3Location of(Path path) {
        java.net.URI uri = path.toUri();
        if (!"s3".equals(uri.getScheme()) && !"s3a".equals(uri.getScheme())) {
            throw new IllegalArgumentException(path + " is not on S3 (s3:// or s3a://)");
        }
        if (uri.getAuthority() == null || uri.getAuthority().isBlank()) {
            throw new IllegalArgumentException(path + " names no bucket");
        }
        String key = uri.getPath() == null ? "" : uri.getPath();
        while (key.startsWith("/")) {
            key = key.substring(1);
        }
        return new S3Location(uri.getScheme(), uri.getAuthority(), key);
    }

    /** The key as a "directory": ending in '/' (empty for the bucket's root). */
    S3Location asPrefix() {
        return key.isEmpty() || key.endsWith("/") ? this : new S3Location(scheme, bucket, key + "/");
    }

    /** The path of another key of this bucket. */
    Path child(String childKey) {
        String trimmed = childKey.endsWith("/") ? childKey.substring(0, childKey.length() - 1) : childKey;
        return new Path(scheme + "://" + bucket + "/" + trimmed);
    }

    Path path() {
        return child(key);
    }
}
