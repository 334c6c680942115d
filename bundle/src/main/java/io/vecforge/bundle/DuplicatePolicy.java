package io.vecforge.bundle;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * What to do with rows that share an id. Rows of one id arrive together, ordered by the
 * configured ordering column: {@link #KEEP_FIRST} keeps the lowest, {@link #KEEP_LATEST} the
 * highest; {@link #FAIL} fails the build and names the ids.
 */
public enum DuplicatePolicy {
    FAIL,
    KEEP_FIRST,
    KEEP_LATEST;

    @JsonValue
    public String configName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    @Override
    public String toString() {
        return configName();
    }

    public static DuplicatePolicy fromConfig(String name) {
        for (DuplicatePolicy policy : values()) {
            if (policy.configName().equals(name.trim().toLowerCase(Locale.ROOT))) {
                return policy;
            }
        }
        throw new IllegalArgumentException("unknown duplicate policy '" + name + "': expected fail, keep-first or"
                + " keep-latest");
    }
}
