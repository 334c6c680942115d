package io.vecforge.bundle;

import java.util.Locale;

/** Size and CRC32C of a file's bytes. */
public record FileDigest(long bytes, long crc32c) implements java.io.Serializable {
    public String crc32cHex() {
        return String.format(Locale.ROOT, "%08x", crc32c);
    }
}
