package io.vecforge.bundle;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Locale;
import java.util.zip.CRC32C;

/** Size and CRC32C of a file's bytes; {@link #copy} is the project's one CRC32C loop. */
public record FileDigest(long bytes, long crc32c) implements java.io.Serializable {
    private static final int BUFFER = 1 << 20;

    public String crc32cHex() {
        return String.format(Locale.ROOT, "%08x", crc32c);
    }

    /** Whether this digest is the one a manifest entry records. */
    public boolean matches(long expectedBytes, String expectedCrc32c) {
        return bytes == expectedBytes && crc32cHex().equals(expectedCrc32c);
    }

    public static FileDigest of(InputStream in) throws IOException {
        return copy(in, OutputStream.nullOutputStream());
    }

    public static FileDigest of(byte[] content) {
        CRC32C crc = new CRC32C();
        crc.update(content);
        return new FileDigest(content.length, crc.getValue());
    }

    public static FileDigest of(java.nio.file.Path local) throws IOException {
        try (InputStream in = java.nio.file.Files.newInputStream(local)) {
            return of(in);
        }
    }

    /** Copies in to out, returning the size and CRC32C of what was copied. */
    public static FileDigest copy(InputStream in, OutputStream out) throws IOException {
        CRC32C crc = new CRC32C();
        long bytes = 0;
        byte[] buffer = new byte[BUFFER];
        for (int read; (read = in.read(buffer)) > 0; ) {
            crc.update(buffer, 0, read);
            out.write(buffer, 0, read);
            bytes += read;
        }
        return new FileDigest(bytes, crc.getValue());
    }
}
