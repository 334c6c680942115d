package io.vecforge.bundle;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The _SUCCESS marker of a complete version holds the SHA-256 of its manifest.json, so publishing
 * and pulling can tell that the manifest is the one the build completed
 * ({@link BundleReader#isComplete}).
 */
public final class Completion {
    private static final String PREFIX = "manifest-sha256 ";

    private Completion() {}

    public static byte[] marker(byte[] manifestJson) {
        return (PREFIX + sha256(manifestJson) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /** Whether the marker vouches for exactly these manifest bytes. */
    public static boolean matches(byte[] marker, byte[] manifestJson) {
        String text = new String(marker, StandardCharsets.UTF_8).trim();
        return text.equals((PREFIX + sha256(manifestJson)).trim());
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
