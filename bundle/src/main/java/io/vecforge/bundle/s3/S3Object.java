package io.vecforge.bundle.s3;

import java.util.Map;

/** An object's bytes as read, with the ETag a conditional write compares and its user metadata. */
record S3Object(byte[] content, String eTag, Map<String, String> metadata) {}
