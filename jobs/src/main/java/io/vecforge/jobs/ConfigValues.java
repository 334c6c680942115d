package io.vecforge.jobs;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;

/** Typed reads of config values; every error names the key and the value given. */
final class ConfigValues {
    private final Map<String, String> values;

    ConfigValues(Map<String, String> values) {
        this.values = values;
    }

    /** Keys without a default (null) must be given a non-empty value. */
    void requirePresent(Map<String, String> defaults) {
        for (Map.Entry<String, String> entry : values.entrySet()) {
            if (entry.getValue() == null || entry.getValue().isEmpty() && defaults.get(entry.getKey()) == null) {
                throw new IllegalArgumentException("config key '" + entry.getKey() + "' is required");
            }
        }
    }

    String text(String key) {
        return values.get(key);
    }

    /** null when empty. */
    String optional(String key) {
        String value = values.get(key);
        return value.isEmpty() ? null : value;
    }

    long number(String key) {
        try {
            return Long.parseLong(values.get(key));
        } catch (NumberFormatException e) {
            throw invalid(key, "a whole number");
        }
    }

    long positive(String key) {
        long value = number(key);
        if (value <= 0) {
            throw new IllegalArgumentException("config key '" + key + "' must be positive, got " + value);
        }
        return value;
    }

    int positiveInt(String key) {
        return toInt(key, positive(key));
    }

    long nonNegative(String key) {
        long value = number(key);
        if (value < 0) {
            throw new IllegalArgumentException("config key '" + key + "' must not be negative, got " + value);
        }
        return value;
    }

    int nonNegativeInt(String key) {
        return toInt(key, nonNegative(key));
    }

    double decimal(String key) {
        try {
            double value = Double.parseDouble(values.get(key));
            if (!Double.isFinite(value)) {
                throw invalid(key, "a finite number");
            }
            return value;
        } catch (NumberFormatException e) {
            throw invalid(key, "a number");
        }
    }

    double fraction(String key) {
        double value = decimal(key);
        if (value < 0 || value > 1) {
            throw new IllegalArgumentException("config key '" + key + "' must be within [0, 1], got " + value);
        }
        return value;
    }

    double nonNegativeNumber(String key) {
        double value = decimal(key);
        if (value < 0) {
            throw new IllegalArgumentException("config key '" + key + "' must not be negative, got " + value);
        }
        return value;
    }

    boolean bool(String key) {
        String value = values.get(key).toLowerCase(Locale.ROOT);
        if (!value.equals("true") && !value.equals("false")) {
            throw invalid(key, "true or false");
        }
        return value.equals("true");
    }

    /** YYYY-MM-DD; empty means today (UTC). */
    LocalDate date(String key) {
        String value = values.get(key);
        if (value.isEmpty()) {
            return LocalDate.now(ZoneOffset.UTC);
        }
        try {
            return LocalDate.parse(value);
        } catch (DateTimeParseException e) {
            throw invalid(key, "YYYY-MM-DD");
        }
    }

    private static int toInt(String key, long value) {
        if (value > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("config key '" + key + "' is too large: " + value);
        }
        return (int) value;
    }

    private IllegalArgumentException invalid(String key, String expected) {
        return new IllegalArgumentException("config key '" + key + "' must be " + expected + ", got '"
                + values.get(key) + "'");
    }
}
