package io.vecforge;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.ToIntFunction;
import java.util.function.Function;

/**
 * The exit-code list of a command's usage help, rendered from its failure enum (so help and code
 * cannot drift apart): fixed lines first ("0:valid", …), then one line per enum constant.
 */
public final class ExitCodes {
    private ExitCodes() {}

    public static <E extends Enum<E>> Map<String, String> usageList(Class<E> failures, ToIntFunction<E> code,
            Function<E, String> meaning, String... fixedLines) {
        Map<String, String> lines = new LinkedHashMap<>();
        for (String line : fixedLines) {
            int colon = line.indexOf(':');
            lines.put(line.substring(0, colon), line.substring(colon + 1));
        }
        for (E failure : failures.getEnumConstants()) {
            lines.put(String.valueOf(code.applyAsInt(failure)), meaning.apply(failure));
        }
        return lines;
    }
}
