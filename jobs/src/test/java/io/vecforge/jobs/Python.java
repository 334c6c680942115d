package io.vecforge.jobs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the repository's Python scripts with stock faiss-python: Debian's /usr/bin/python3 and
 * python3-faiss (1.7.3) by default, or the newest faiss-cpu wheel (setup.sh's .venv-faiss).
 */
final class Python {
    static final String INTERPRETER = "/usr/bin/python3";
    static final String WHEEL = Path.of("..", ".venv-faiss", "bin", "python").toAbsolutePath().normalize().toString();
    /** Both stock readers: Debian's Faiss 1.7.3 and the newest faiss-cpu. */
    static final List<String> STOCK_READERS = List.of(INTERPRETER, WHEEL);

    private Python() {}

    static Path script(String name) {
        Path path = Path.of("..", "scripts", name).toAbsolutePath().normalize();
        if (!Files.exists(path)) {
            throw new IllegalStateException("missing script " + path);
        }
        return path;
    }

    /** Runs the script and returns its standard output; fails with its error output if it exits non-zero. */
    static String run(String script, String... args) throws IOException, InterruptedException {
        return runWith(INTERPRETER, script, args);
    }

    static String runWith(String interpreter, String script, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(interpreter, script(script).toString()));
        command.addAll(List.of(args));
        Path stderr = Files.createTempFile("python-", ".err");
        Process process = new ProcessBuilder(command)
                .redirectError(stderr.toFile())
                .start();
        process.getOutputStream().close();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(15, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new IllegalStateException(command + " timed out");
        }
        String err = Files.readString(stderr);
        Files.deleteIfExists(stderr);
        if (process.exitValue() != 0) {
            throw new IllegalStateException(command + " exited " + process.exitValue() + ":\n" + err);
        }
        return out;
    }
}
