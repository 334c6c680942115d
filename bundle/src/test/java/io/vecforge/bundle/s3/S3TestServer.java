package io.vecforge.bundle.s3;

import io.vecforge.bundle.BundleStorage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;
import org.apache.hadoop.conf.Configuration;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3 server for tests: gaul/s3proxy on 127.0.0.1 over a directory, loaded in a class
 * loader of its own (it brings Jetty 12 and its own SDK, which must not meet Spark's or Hadoop's).
 * Its data outlives {@link #stop}, so a test can stop it mid-operation and {@link #start} it again
 * on the same port. Each server gets a fresh random secret key, so tests can grep for it.
 */
public final class S3TestServer implements AutoCloseable {
    public static final String ACCESS_KEY = "vecforge-test";
    private static final String CLASSPATH = "vecforge.s3proxy.classpath";

    private final java.nio.file.Path dataDir;
    private final String secretKey = "s3cr3t-" + UUID.randomUUID();
    private final int port;
    private AutoCloseable proxy;

    private S3TestServer(java.nio.file.Path dataDir, int port) {
        this.dataDir = dataDir;
        this.port = port;
    }

    /** Starts a server with the given buckets, storing them under {@code dataDir}. */
    public static S3TestServer start(java.nio.file.Path dataDir, String... buckets) throws Exception {
        S3TestServer server = new S3TestServer(dataDir, freePort());
        server.start();
        for (String bucket : buckets) {
            Files.createDirectories(dataDir.resolve(bucket));
        }
        return server;
    }

    public synchronized void start() throws Exception {
        if (proxy != null) {
            return;
        }
        Files.createDirectories(dataDir);
        Class<?> launcher = Class.forName("io.vecforge.testing.s3.S3ProxyLauncher", true, loader());
        ClassLoader previous = Thread.currentThread().getContextClassLoader();
        Thread.currentThread().setContextClassLoader(launcher.getClassLoader());
        try {
            proxy = (AutoCloseable) launcher.getMethod("start", int.class, String.class, String.class, String.class)
                    .invoke(null, port, dataDir.toString(), ACCESS_KEY, secretKey);
        } finally {
            Thread.currentThread().setContextClassLoader(previous);
        }
    }

    /** Stops answering (connections are refused) but keeps the data. */
    public synchronized void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
            proxy = null;
        }
    }

    @Override
    public void close() throws Exception {
        stop();
    }

    @SuppressWarnings("unchecked")
    public String endpoint() {
        return ((Supplier<String>) proxy).get();
    }

    public String secretKey() {
        return secretKey;
    }

    /** The fs.s3a.* settings that reach this server: what a user puts in core-site.xml or --conf. */
    public Configuration conf() {
        Configuration conf = new Configuration(false);
        conf.set(S3Settings.ENDPOINT, "http://127.0.0.1:" + port);
        conf.set(S3Settings.PATH_STYLE, "true");
        conf.set(S3Settings.REGION, "us-east-1");
        conf.set(S3Settings.ACCESS_KEY, ACCESS_KEY);
        conf.set(S3Settings.SECRET_KEY, secretKey);
        return conf;
    }

    public BundleStorage storage() {
        return S3BundleStorage.forUri(URI.create("s3://any/"), conf());
    }

    public S3Client client() {
        return S3Clients.forSettings(S3Settings.from(conf()));
    }

    private static ClassLoader loader() throws IOException {
        java.nio.file.Path module = java.nio.file.Path.of(System.getProperty("user.dir"))
                .resolveSibling("s3-test-server");
        java.nio.file.Path classpath = java.nio.file.Path.of(System.getProperty(CLASSPATH,
                module.resolve("target/s3proxy.classpath").toString()));
        if (!Files.exists(classpath)) {
            throw new IllegalStateException(classpath + " is missing: build the s3-test-server module first");
        }
        List<URL> urls = new ArrayList<>();
        urls.add(module.resolve("target/classes").toUri().toURL());
        for (String entry : Files.readString(classpath).trim().split(java.io.File.pathSeparator)) {
            urls.add(java.nio.file.Path.of(entry).toUri().toURL());
        }
        return new URLClassLoader("s3proxy", urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
