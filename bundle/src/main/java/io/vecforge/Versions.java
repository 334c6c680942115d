package io.vecforge;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;

/** vecforge's own version, and new bundle version ids. */
public final class Versions {
    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private static final DateTimeFormatter DAY = DateTimeFormatter.BASIC_ISO_DATE;

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

    /**
     * Sortable and unique: the logical date of the data, the UTC build time and a random run id,
     * e.g. 20261120-20261121T150000Z-3f9a1c. Versions sort by logical date, then build time.
     */
    public static String newVersionId(LocalDate logicalDate, Instant now) {
        return DAY.format(logicalDate) + "-" + STAMP.format(now) + "-"
                + String.format("%06x", ThreadLocalRandom.current().nextInt(1 << 24));
    }
}
