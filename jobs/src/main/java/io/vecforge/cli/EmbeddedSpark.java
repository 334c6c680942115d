package io.vecforge.cli;

import io.vecforge.bundle.s3.S3Settings;
import org.apache.spark.sql.SparkSession;

/** The Spark session a command runs on: spark-submit's when there is one, else embedded local mode. */
final class EmbeddedSpark {
    /**
     * Off unless set: the build's one large shuffle carries float vectors, which LZ4 does not shrink (the 1M × 128
     * shard shuffle is 530 MB either way) but spends CPU compressing and checksumming.
     */
    private static final String SHUFFLE_COMPRESS = "spark.shuffle.compress";
    /**
     * Off unless set: Spark checksums shuffle blocks (Adler-32 over every byte written) only to name the cause of
     * a corruption its codec has already detected, and with compression off no codec detects any. At 4M x 128
     * the checksum was 3.5% of the scan's task time.
     */
    private static final String SHUFFLE_CHECKSUM = "spark.shuffle.checksum.enabled";

    private EmbeddedSpark() {}

    static SparkSession session(String appName, String master) {
        SparkSession.Builder builder = SparkSession.builder().appName(appName);
        boolean submitted = System.getProperty("spark.master") != null;
        if (master != null) {
            builder.master(master);
        } else if (!submitted) {
            builder.master("local[*]");
        }
        if (!submitted) {
            builder.config("spark.ui.enabled", "false")
                    .config("spark.sql.shuffle.partitions", String.valueOf(
                            Math.max(4, 2 * Runtime.getRuntime().availableProcessors())));
            for (String off : new String[] {SHUFFLE_COMPRESS, SHUFFLE_CHECKSUM}) {
                if (System.getProperty(off) == null) {
                    builder.config(off, "false");
                }
            }
        }
        S3Settings.environmentDefaults(System.getenv()).forEach((key, value) -> {
            if (System.getProperty("spark.hadoop." + key) == null) {
                builder.config("spark.hadoop." + key, value);
            }
        });
        return builder.getOrCreate();
    }
}
