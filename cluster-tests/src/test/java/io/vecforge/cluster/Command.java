package io.vecforge.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A finished command: exit code and combined output. */
record Command(int exitCode, String output) {

    static Command run(List<String> command) throws IOException, InterruptedException {
        return run(command, java.util.Map.of());
    }

    static Command run(List<String> command, java.util.Map<String, String> env)
            throws IOException, InterruptedException {
        Path log = Files.createTempFile("vecforge-command-", ".log");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
            builder.environment().putAll(env);
            Process process = builder.start();
            process.getOutputStream().close();
            if (!process.waitFor(10, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IllegalStateException(command + " timed out:\n" + Files.readString(log));
            }
            return new Command(process.exitValue(), Files.readString(log));
        } finally {
            Files.deleteIfExists(log);
        }
    }

    /** scripts/NAME args… from the repository root. */
    static Command script(Path repo, String name, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(repo.resolve("scripts").resolve(name).toString()));
        command.addAll(List.of(args));
        return run(command);
    }
}
