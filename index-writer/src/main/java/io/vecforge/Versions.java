package io.vecforge;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;

/** vecforge's own version, and new bundle version ids. */
public final class Versions {
    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private Versions() {}

    public static String vecforge() {
        try (InputStream in = Versions.class.getResourceAsStream("vecforge.properties")) {
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sortable and unique: UTC build time plus a random run id, e.g. 20261121T150000Z-3f9a1c. */
    public static String newVersionId(Instant now) {
        return STAMP.format(now) + "-" + String.format("%06x", ThreadLocalRandom.current().nextInt(1 << 24));
    }
}
