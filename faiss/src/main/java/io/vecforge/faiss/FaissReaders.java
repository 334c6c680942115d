package io.vecforge.faiss;

import java.util.Arrays;
import java.util.Set;

/**
 * Which Faiss versions can read an index file: the oldest one, from the classes the file holds
 * ({@link FaissIndex#components()}). A newer Faiss may write what older servers cannot read (fast-scan,
 * RaBitQ, new scalar-quantizer types): a bundle records the oldest reader, and
 * pullers and readers refuse a bundle their own Faiss is older than, before they switch to it.
 *
 * <p>The table holds only classes whose files Debian 12's python3-faiss {@value #OLDEST_CHECKED} is
 * shown to read (FaissReadersInteropTest writes each with this Faiss and reads it there); anything
 * else is readable, as far as vecforge knows, from the writing version on.
 */
public final class FaissReaders {
    /** The oldest Faiss the interop tests read vecforge's files with. */
    public static final String OLDEST_CHECKED = "1.7.3";

    private static final Set<String> READ_BY_OLDEST_CHECKED = Set.of(
            "faiss::IndexIVFPQ",
            "faiss::IndexIVFFlat",
            "faiss::IndexIVFPQFastScan",
            "faiss::IndexIVFScalarQuantizer(qtype 0)", // SQ8
            "faiss::IndexIVFScalarQuantizer(qtype 1)", // SQ4
            "faiss::IndexFlat",
            "faiss::IndexFlatL2",
            "faiss::IndexFlatIP",
            "faiss::ArrayInvertedLists",
            "faiss::BlockInvertedLists", // fast-scan's lists
            "faiss::IndexPreTransform",
            "faiss::PCAMatrix",
            "faiss::OPQMatrix");

    private FaissReaders() {}

    /** The oldest Faiss that reads a file holding {@code components} (';'-separated) written by {@code writer}. */
    public static String minimumReader(String components, String writer) {
        boolean allOld = components != null && !components.isBlank()
                && Arrays.stream(components.split(";")).allMatch(READ_BY_OLDEST_CHECKED::contains);
        return allOld ? OLDEST_CHECKED : writer;
    }

    /**
     * Whether Faiss {@code reader} can read a bundle whose oldest reader is {@code minimum}: null means
     * unrecorded (bundles from before it was, all readable by 1.7.3); anything but a dotted number is
     * not a version and reads as "no".
     */
    public static boolean canRead(String reader, String minimum) {
        if (minimum == null) {
            return true;
        }
        return isVersion(minimum) && compare(reader, minimum) >= 0;
    }

    /** 1.15.0, 1.7, 2: digits separated by dots. */
    public static boolean isVersion(String text) {
        return text != null && text.matches("\\d{1,6}(\\.\\d{1,6}){0,3}");
    }

    /** Dotted version order: 1.7.3 < 1.10.0 < 1.15.0; a non-numeric part counts as 0. */
    public static int compare(String a, String b) {
        String[] x = a.trim().split("\\.");
        String[] y = b.trim().split("\\.");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            int c = Integer.compare(part(x, i), part(y, i));
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    private static int part(String[] parts, int i) {
        if (i >= parts.length) {
            return 0;
        }
        String digits = parts[i].replaceAll("^(\\d*).*$", "$1");
        return digits.isEmpty() ? 0 : Integer.parseInt(digits);
    }
}
