package io.vecforge.bundle;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;

/**
 * Which process holds a lock or runs a build: written into the lock and heartbeat files so that a
 * later process can tell a live owner from a killed one.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ProcessOwner(String user, String host, String pidNamespace, long pid, String writtenAt) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Microseconds of the last {@link #current()}: each call gets a later one, so no two owners' bytes are equal. */
    private static final java.util.concurrent.atomic.AtomicLong LAST_MICROS = new java.util.concurrent.atomic.AtomicLong();

    public static ProcessOwner current() {
        java.time.Instant now = java.time.Instant.now();
        long micros = LAST_MICROS.updateAndGet(last -> Math.max(last + 1,
                now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000));
        java.time.Instant at = java.time.Instant.ofEpochSecond(micros / 1_000_000, (micros % 1_000_000) * 1_000);
        return new ProcessOwner(System.getProperty("user.name", "unknown"), localHost(), currentPidNamespace(),
                ProcessHandle.current().pid(), at.toString());
    }

    /** The owner recorded in a file, or null when the file holds something else (an older format). */
    public static ProcessOwner parse(byte[] content) {
        try {
            return JSON.readValue(content, ProcessOwner.class);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * True only when the owner ran on this host, in this PID namespace (containers on one host may
     * share a host name but not their pids), and its process is gone: then it is dead for sure.
     */
    @JsonIgnore
    public boolean isDeadOnThisHost() {
        String namespace = currentPidNamespace();
        return localHost().equals(host) && !namespace.isEmpty() && namespace.equals(pidNamespace)
                && ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true);
    }

    /** This process's PID namespace (Linux: the target of /proc/self/ns/pid), or "" if unknown. */
    static String currentPidNamespace() {
        try {
            return java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/ns/pid")).toString();
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    @Override
    public String toString() {
        return user + "@" + host + " pid " + pid + " at " + writtenAt;
    }

    static String describe(byte[] content) {
        ProcessOwner owner = parse(content);
        return owner != null ? owner.toString() : new String(content, StandardCharsets.UTF_8).trim();
    }

    static String localHost() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
