package io.vecforge.jobs.config;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;

/** Typed reads of config values; every error names the key and the value given. */
public final class ConfigValues {
    private final Map<String, String> values;

    ConfigValues(Map<String, String> values) {
        this.values = values;
    }

    /** Keys without a default (null) must be given a non-empty value. */
    void requirePresent(Map<String, String> defaults) {
        for (Map.Entry<String, String> entry : values.entrySet()) {
            if (entry.getValue() == null || entry.getValue().isEmpty() && defaults.get(entry.getKey()) == null) {
                throw new ConfigException("config key '" + entry.getKey() + "' is required");
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
        return atLeast(key, 1, "must be positive");
    }

    int positiveInt(String key) {
        return toInt(key, positive(key));
    }

    long nonNegative(String key) {
        return atLeast(key, 0, "must not be negative");
    }

    int nonNegativeInt(String key) {
        return toInt(key, nonNegative(key));
    }

    double fraction(String key) {
        return within(key, 1, "must be within [0, 1]");
    }

    double nonNegativeNumber(String key) {
        return within(key, Double.POSITIVE_INFINITY, "must not be negative");
    }

    private long atLeast(String key, long minimum, String rule) {
        long value = number(key);
        if (value < minimum) {
            throw new ConfigException("config key '" + key + "' " + rule + ", got " + value);
        }
        return value;
    }

    /** A finite number in [0, maximum]. */
    private double within(String key, double maximum, String rule) {
        double value;
        try {
            value = Double.parseDouble(values.get(key));
        } catch (NumberFormatException e) {
            throw invalid(key, "a number");
        }
        if (!Double.isFinite(value)) {
            throw invalid(key, "a finite number");
        }
        if (value < 0 || value > maximum) {
            throw new ConfigException("config key '" + key + "' " + rule + ", got " + value);
        }
        return value;
    }

    /** A size in bytes: a whole number with an optional k, m, g or t suffix (binary); 0 when empty. */
    long bytes(String key) {
        String value = values.get(key).trim().toLowerCase(Locale.ROOT);
        if (value.isEmpty()) {
            return 0;
        }
        int shift = switch (value.charAt(value.length() - 1)) {
            case 'k' -> 10;
            case 'm' -> 20;
            case 'g' -> 30;
            case 't' -> 40;
            default -> 0;
        };
        String digits = shift == 0 ? value : value.substring(0, value.length() - 1);
        try {
            long number = Long.parseLong(digits);
            if (number <= 0 || number > (Long.MAX_VALUE >> shift)) {
                throw invalid(key, "a positive size such as 512m or 8g");
            }
            return number << shift;
        } catch (NumberFormatException e) {
            throw invalid(key, "a positive size such as 512m or 8g");
        }
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
            throw new ConfigException("config key '" + key + "' is too large: " + value);
        }
        return (int) value;
    }

    private ConfigException invalid(String key, String expected) {
        return new ConfigException("config key '" + key + "' must be " + expected + ", got '"
                + values.get(key) + "'");
    }
}
