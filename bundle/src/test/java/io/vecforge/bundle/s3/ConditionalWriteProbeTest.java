package io.vecforge.bundle.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.vecforge.bundle.BundleLayout;
import io.vecforge.bundle.BundleStorage;
import io.vecforge.bundle.HistoryEntry;
import io.vecforge.bundle.UnsupportedStorageException;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;

/**
 * A store that ignores conditional headers is refused before any commit relies on them: an
 * S3-compatible server on loopback that answers every PUT with 200 (as some older ones do).
 */
class ConditionalWriteProbeTest {
    @Test
    void aStoreThatIgnoresConditionalPutsIsRefusedWithAClearError() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        AtomicInteger puts = new AtomicInteger();
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            if ("PUT".equals(exchange.getRequestMethod())) {
                puts.incrementAndGet();
                exchange.getResponseHeaders().add("ETag", "\"" + Integer.toHexString(puts.get()) + "\"");
                exchange.sendResponseHeaders(200, -1);
            } else {
                exchange.sendResponseHeaders(204, -1); // deletes and anything else: done, nothing to say
            }
            exchange.close();
        });
        server.start();
        try {
            Configuration conf = new Configuration(false);
            conf.set(S3Settings.ENDPOINT, "http://127.0.0.1:" + server.getAddress().getPort());
            conf.set(S3Settings.REGION, "us-east-1");
            conf.set(S3Settings.ACCESS_KEY, "probe-test");
            conf.set(S3Settings.SECRET_KEY, "probe-secret");
            BundleStorage storage = S3BundleStorage.forUri(java.net.URI.create("s3://careless/"), conf);
            BundleLayout layout = new BundleLayout(new Path("s3://careless/indexes"), "idx");
            HistoryEntry entry = new HistoryEntry("2026-12-02T00:00:00Z", "build", null, "20261101-a", "u", "h");
            UnsupportedStorageException e = assertThrows(UnsupportedStorageException.class,
                    () -> storage.commitOperations(layout).commit(null, "20261101-a", entry));
            assertTrue(e.getMessage().contains("a second PUT with If-None-Match: * of the same key was accepted"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("127.0.0.1:" + server.getAddress().getPort()), e.getMessage());
            assertEquals(2, puts.get(), "the probe stops at the first guarantee the store breaks; nothing is claimed");
            assertThrows(UnsupportedStorageException.class, () -> storage.commitOperations(layout).commit(null,
                    "20261101-a", entry), "refused again: a failed probe is never remembered as passed");
        } finally {
            server.stop(0);
        }
    }
}
