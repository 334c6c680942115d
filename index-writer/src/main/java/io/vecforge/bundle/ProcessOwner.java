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
public record ProcessOwner(String user, String host, long pid, String writtenAt) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static ProcessOwner current() {
        return new ProcessOwner(System.getProperty("user.name", "unknown"), localHost(), ProcessHandle.current().pid(),
                java.time.Instant.now().toString());
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

    /** True only when the owner ran on this host and its process is gone: then it is dead for sure. */
    @JsonIgnore
    public boolean isDeadOnThisHost() {
        return localHost().equals(host) && ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true);
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
