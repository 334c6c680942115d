package io.vecforge.bundle.s3;

import java.net.URI;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.apache.hadoop.conf.Configuration;

/**
 * How to reach S3, read from the same {@code fs.s3a.*} keys the cluster's s3a:// reads use, so one
 * configuration serves both. Unset keys fall back to the AWS SDK's standard chains (the
 * AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_REGION / AWS_ENDPOINT_URL variables, profiles,
 * instance roles). {@link #toString} never shows the secret key.
 */
public record S3Settings(URI endpoint, String region, Boolean pathStyle, String accessKey, String secretKey,
        String sessionToken, long multipartThreshold, long partSize) {
    public static final String ENDPOINT = "fs.s3a.endpoint";
    public static final String REGION = "fs.s3a.endpoint.region";
    public static final String PATH_STYLE = "fs.s3a.path.style.access";
    public static final String SSL = "fs.s3a.connection.ssl.enabled";
    public static final String ACCESS_KEY = "fs.s3a.access.key";
    public static final String SECRET_KEY = "fs.s3a.secret.key";
    public static final String SESSION_TOKEN = "fs.s3a.session.token";
    public static final String MULTIPART_THRESHOLD = "vecforge.s3.multipart.threshold";
    public static final String PART_SIZE = "vecforge.s3.multipart.part-size";
    /** S3's smallest part but the last. */
    static final long MIN_PART = 5L << 20;

    public S3Settings {
        if (partSize < MIN_PART) {
            throw new IllegalArgumentException(PART_SIZE + "=" + partSize + " is below S3's 5 MiB minimum part size");
        }
        if (multipartThreshold < partSize) {
            throw new IllegalArgumentException(MULTIPART_THRESHOLD + "=" + multipartThreshold + " is below "
                    + PART_SIZE + "=" + partSize);
        }
        if ((accessKey == null) != (secretKey == null)) {
            throw new IllegalArgumentException(ACCESS_KEY + " and " + SECRET_KEY + " must be set together");
        }
    }

    /**
     * Fills the {@code fs.s3a.*} keys a configuration leaves unset from the AWS variables
     * (AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL, AWS_REGION or AWS_DEFAULT_REGION), so that s3a:// reads
     * and vecforge's own S3 writes go to the same server; and maps s3:// to S3A for Spark's own
     * writes (the quarantine, the id map, scratch) under an s3:// root. Credentials are left to
     * the providers, which read AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY themselves.
     */
    public static void fillFromEnvironment(Configuration conf, Map<String, String> env) {
        environmentDefaults(env).forEach((key, value) -> {
            if (conf.get(key) == null) {
                conf.set(key, value);
            }
        });
    }

    /**
     * The keys {@link #fillFromEnvironment} sets. A Spark session must get them before its context
     * starts ({@code spark.hadoop.<key>}): Spark itself sets fs.s3a.endpoint to AWS's when unset.
     */
    public static Map<String, String> environmentDefaults(Map<String, String> env) {
        Map<String, String> defaults = new java.util.LinkedHashMap<>();
        String endpoint = firstSet(env, "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL");
        if (endpoint != null) {
            defaults.put(ENDPOINT, endpoint);
            defaults.put(PATH_STYLE, "true");
        }
        String region = firstSet(env, "AWS_REGION", "AWS_DEFAULT_REGION");
        if (region != null) {
            defaults.put(REGION, region);
        }
        defaults.put("fs.s3.impl", "org.apache.hadoop.fs.s3a.S3AFileSystem");
        return defaults;
    }

    /** A Hadoop configuration (core-site.xml and the rest on the class path) filled from the environment. */
    public static Configuration fromEnvironment() {
        Configuration conf = new Configuration();
        fillFromEnvironment(conf, System.getenv());
        return conf;
    }

    private static String firstSet(Map<String, String> env, String... names) {
        for (String name : names) {
            String value = env.get(name);
            if (value != null && !value.isBlank()) {
                return value.trim();
            }
        }
        return null;
    }

    public static S3Settings from(Configuration conf) {
        String endpoint = trimmed(conf.get(ENDPOINT));
        URI uri = null;
        if (endpoint != null) {
            if (!endpoint.contains("://")) {
                endpoint = (conf.getBoolean(SSL, true) ? "https://" : "http://") + endpoint;
            }
            uri = URI.create(endpoint);
            String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
                throw new IllegalArgumentException(ENDPOINT + " must be an http(s) URL or host[:port], not "
                        + endpoint);
            }
        }
        String style = trimmed(conf.get(PATH_STYLE));
        return new S3Settings(uri, trimmed(conf.get(REGION)), style == null ? null : Boolean.parseBoolean(style),
                trimmed(conf.get(ACCESS_KEY)), trimmed(conf.get(SECRET_KEY)), trimmed(conf.get(SESSION_TOKEN)),
                conf.getLongBytes(MULTIPART_THRESHOLD, 64L << 20), conf.getLongBytes(PART_SIZE, 16L << 20));
    }

    /** Custom endpoints (MinIO, Ceph, s3proxy, moto) want path-style addressing unless told otherwise. */
    boolean pathStyleFor(URI effectiveEndpoint) {
        return pathStyle != null ? pathStyle : effectiveEndpoint != null;
    }

    private static String trimmed(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof S3Settings s && Objects.equals(endpoint, s.endpoint) && Objects.equals(region, s.region)
                && Objects.equals(pathStyle, s.pathStyle) && Objects.equals(accessKey, s.accessKey)
                && Objects.equals(secretKey, s.secretKey) && Objects.equals(sessionToken, s.sessionToken)
                && multipartThreshold == s.multipartThreshold && partSize == s.partSize;
    }

    @Override
    public int hashCode() {
        return Objects.hash(endpoint, region, pathStyle, accessKey, multipartThreshold, partSize);
    }

    @Override
    public String toString() {
        return "S3Settings[endpoint=" + (endpoint == null ? "(AWS default)" : endpoint) + ", region="
                + (region == null ? "(AWS default)" : region) + ", pathStyle=" + pathStyle + ", credentials="
                + (accessKey == null ? "(AWS default chain)"
                        : "access key " + accessKey + " and its secret (not shown)")
                + "]";
    }
}
