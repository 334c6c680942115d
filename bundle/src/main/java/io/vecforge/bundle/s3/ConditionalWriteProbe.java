package io.vecforge.bundle.s3;

import io.vecforge.bundle.UnsupportedStorageException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks once per endpoint and bucket in a JVM that the store enforces conditional PUTs, before
 * the first commit relies on them: a second {@code If-None-Match: *} PUT of one key and an
 * {@code If-Match} naming a wrong ETag must both be refused. A store that ignores the headers
 * would let two publishers both win; it is refused instead (exit 2).
 */
final class ConditionalWriteProbe {
    private static final Logger LOG = LoggerFactory.getLogger(ConditionalWriteProbe.class);
    private static final Set<String> PASSED = ConcurrentHashMap.newKeySet();
    private static final String WRONG_ETAG = "\"00000000000000000000000000000000\"";

    private ConditionalWriteProbe() {}

    static void require(S3BundleStorage storage, Path dir) throws IOException {
        String scope = storage.probeScope(S3Location.of(dir));
        if (PASSED.contains(scope)) {
            return;
        }
        String id = UUID.randomUUID().toString();
        Path probe = new Path(dir, "probe-" + id + ".tmp");
        byte[] content = ("vecforge conditional-write probe " + id + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            Optional<String> first;
            try {
                first = storage.putIf(probe, content, null, Map.of());
            } catch (IOException e) {
                throw refused(scope, "a PUT with If-None-Match: * failed (" + e.getMessage() + ")");
            }
            if (first.isEmpty() && !landed(storage, probe, content)) {
                throw refused(scope, "a PUT with If-None-Match: * of a new key was refused");
            }
            if (storage.putIf(probe, content, null, Map.of()).isPresent()) {
                throw refused(scope, "a second PUT with If-None-Match: * of the same key was accepted");
            }
            if (storage.putIf(probe, content, WRONG_ETAG, Map.of()).isPresent()) {
                throw refused(scope, "a PUT with If-Match naming a wrong ETag was accepted");
            }
        } finally {
            try {
                storage.delete(probe);
            } catch (IOException e) {
                LOG.warn("could not delete the conditional-write probe {}: {}", probe, e.getMessage());
            }
        }
        PASSED.add(scope);
        LOG.info("S3 {} enforces If-None-Match and If-Match: commits use them", scope);
    }

    /** A create the SDK retried after it had landed is refused by its own first attempt. */
    private static boolean landed(S3BundleStorage storage, Path probe, byte[] content) throws IOException {
        return storage.readObject(probe).map(o -> java.util.Arrays.equals(o.content(), content)).orElse(false);
    }

    private static UnsupportedStorageException refused(String scope, String what) {
        return new UnsupportedStorageException("S3 store " + scope + " cannot hold bundles safely: " + what
                + ". vecforge's commit needs conditional PUTs (If-None-Match: * and If-Match: <ETag>, as AWS S3 has"
                + " since 2024); without them two publishers could both move LATEST. See docs/storage.md.");
    }
}
