package io.vecforge.bundle;

import io.vecforge.RefusedException;
import io.vecforge.UsageException;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A version name is one plain directory name inside its index: it starts with the logical date
 * (yyyyMMdd) and continues with letters, digits, '.', '_' or '-', e.g.
 * {@code 20261120-20261121T150000Z-3f9a1c}. Names arrive from users, configs, LATEST, run records
 * and HISTORY.jsonl, so every one is checked before it becomes a path: nothing named here can
 * resolve outside the index directory.
 */
public final class VersionName {
    private static final Pattern FORMAT = Pattern.compile("[0-9]{8}[A-Za-z0-9._-]{0,120}");

    private VersionName() {}

    /** Returns the name if it is a valid version name, else throws naming the argument and the rule. */
    public static String check(String version) {
        Optional<String> problem = validate(version);
        if (problem.isPresent()) {
            throw new UsageException("'" + version + "' is not a version name: " + problem.get());
        }
        return version;
    }

    public static boolean isValid(String version) {
        return validate(version).isEmpty();
    }

    /** The logical date a version name starts with. */
    public static LocalDate logicalDate(String version) {
        return LocalDate.parse(check(version).substring(0, 8), DateTimeFormatter.BASIC_ISO_DATE);
    }

    /**
     * The version a pointer file (LATEST, a run record) names, checked: a pointer that names
     * anything but a plain version of this index is refused, never followed.
     */
    public static String fromPointer(String pointerContent, Object pointer) {
        String version = pointerContent.trim();
        Optional<String> problem = validate(version);
        if (problem.isPresent()) {
            throw new RefusedException(pointer + " names '" + version + "', which is not a version of this"
                    + " index (" + problem.get() + "): refusing to follow it");
        }
        return version;
    }

    private static Optional<String> validate(String version) {
        if (version == null || version.isEmpty()) {
            return Optional.of("it is empty");
        }
        if (version.contains("/") || version.contains("\\") || version.contains("..")) {
            return Optional.of("it must be one plain directory name, without '/', '\\' or '..'");
        }
        if (!FORMAT.matcher(version).matches()) {
            return Optional.of("it must start with the logical date (yyyyMMdd) followed by letters, digits, '.',"
                    + " '_' or '-' (at most 128 characters)");
        }
        try {
            LocalDate.parse(version.substring(0, 8), DateTimeFormatter.BASIC_ISO_DATE);
        } catch (DateTimeParseException e) {
            return Optional.of("'" + version.substring(0, 8) + "' is not a date");
        }
        return Optional.empty();
    }
}
