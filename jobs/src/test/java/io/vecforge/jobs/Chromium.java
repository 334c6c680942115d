package io.vecforge.jobs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Debian's chromium, headless: what a person would see of a page (scripts/setup.sh installs it). */
final class Chromium {
    static final Path BINARY = Path.of("/usr/bin/chromium");

    private Chromium() {}

    /** The page's DOM once it has loaded and its scripts have run. */
    static String dumpDom(Path page) throws IOException, InterruptedException {
        return run(List.of("--virtual-time-budget=5000", "--dump-dom", page.toUri().toString()));
    }

    /** A screenshot of the page's top {@code height} pixels at {@code width}, one device pixel per CSS pixel. */
    static void screenshot(Path page, int width, int height, Path png) throws IOException, InterruptedException {
        run(List.of("--hide-scrollbars", "--force-device-scale-factor=1", "--virtual-time-budget=5000",
                "--window-size=" + width + "," + height, "--screenshot=" + png, page.toUri().toString()));
    }

    private static String run(List<String> args) throws IOException, InterruptedException {
        if (!Files.isExecutable(BINARY)) {
            throw new IllegalStateException(BINARY + " is missing: scripts/setup.sh installs Debian's chromium");
        }
        List<String> command = new ArrayList<>(List.of(BINARY.toString(), "--headless=new", "--no-sandbox",
                "--disable-gpu", "--no-first-run", "--user-data-dir=" + Files.createTempDirectory("vecforge-chromium-")));
        command.addAll(args);
        Path err = Files.createTempFile("vecforge-chromium-", ".err");
        Process process = new ProcessBuilder(command).redirectError(err.toFile()).start();
        process.getOutputStream().close();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(2, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new IllegalStateException(command + " timed out");
        }
        String errors = Files.readString(err);
        Files.deleteIfExists(err);
        if (process.exitValue() != 0) {
            throw new IllegalStateException(command + " exited " + process.exitValue() + ":\n" + errors);
        }
        return out;
    }
}
