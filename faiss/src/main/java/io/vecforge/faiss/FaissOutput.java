package io.vecforge.faiss;

import io.vecforge.faiss.NativeFaiss.NativeIndex;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Routes what Faiss prints (its verbose k-means and PQ training progress goes to C's stdout, its
 * warnings to C's stderr) to a consumer, line by line, while open; Faiss ends iteration lines with
 * '\r', so both '\r' and '\n' end a line. One capture at a time per process: C's streams are
 * process-wide.
 */
public final class FaissOutput implements AutoCloseable {
    private static final Object LOCK = new Object();
    private static boolean capturing;

    private final Thread reader;

    private FaissOutput(Thread reader) {
        this.reader = reader;
    }

    /** Starts capturing; if another capture is running or the pipe cannot be made, lines are not routed. */
    public static FaissOutput capture(Consumer<String> lines) {
        synchronized (LOCK) {
            if (capturing) {
                return new FaissOutput(null);
            }
            int fd = NativeIndex.captureOutput();
            if (fd < 0) {
                return new FaissOutput(null);
            }
            InputStream in;
            try {
                in = new FileInputStream("/proc/self/fd/" + fd);
            } catch (IOException e) {
                NativeIndex.releaseOutput(); // no /proc (not Linux): leave stdout as it was
                return new FaissOutput(null);
            } finally {
                NativeIndex.closeFd(fd);
            }
            capturing = true;
            Thread reader = new Thread(() -> forward(in, lines), "vecforge-faiss-output");
            reader.setDaemon(true);
            reader.start();
            return new FaissOutput(reader);
        }
    }

    private static void forward(InputStream in, Consumer<String> lines) {
        StringBuilder line = new StringBuilder();
        byte[] buffer = new byte[4096];
        try (in) {
            for (int read; (read = in.read(buffer)) > 0; ) {
                for (String part : new String(buffer, 0, read, StandardCharsets.UTF_8).split("(?<=[\r\n])", -1)) {
                    if (part.endsWith("\r") || part.endsWith("\n")) {
                        line.append(part, 0, part.length() - 1);
                        emit(line, lines);
                    } else {
                        line.append(part);
                    }
                }
            }
        } catch (IOException e) {
            // the pipe closed under us: nothing more to route
        }
        emit(line, lines);
    }

    private static void emit(StringBuilder line, Consumer<String> lines) {
        String text = line.toString().strip();
        line.setLength(0);
        if (!text.isEmpty()) {
            lines.accept(text);
        }
    }

    @Override
    public void close() {
        if (reader == null) {
            return;
        }
        synchronized (LOCK) {
            NativeIndex.releaseOutput();
            capturing = false;
        }
        try {
            reader.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
