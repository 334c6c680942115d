package io.vecforge.faiss;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Tests compare and copy indexes as the bytes of their written file (what a bundle holds). */
public final class IndexBytes {
    private IndexBytes() {}

    /** The bytes {@link FaissIndex#write} writes for the index. */
    public static byte[] of(FaissIndex index) {
        Path file = null;
        try {
            file = Files.createTempFile("vecforge-index-", ".faiss");
            index.write(file);
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deleteQuietly(file);
        }
    }

    /** An index read back from such bytes; the caller owns it. */
    public static FaissIndex load(byte[] bytes) {
        Path file = null;
        try {
            file = Files.write(Files.createTempFile("vecforge-index-", ".faiss"), bytes);
            return FaissIndex.read(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deleteQuietly(file);
        }
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // a temp file left behind is harmless
            }
        }
    }
}
