package io.vecforge.testing.s3;

import java.net.URI;
import java.util.Properties;
import java.util.function.Supplier;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.blobstore.Constants;

/**
 * s3proxy on 127.0.0.1, over a directory (the filesystem-nio2 store, whose If-None-Match is
 * atomic), with AWS v2/v4 signatures. Loaded by reflection from a class loader of its own, so its
 * interface to the caller is JDK types only: {@link #start} returns an {@link AutoCloseable} that
 * is also a {@code Supplier<String>} of the endpoint URL.
 */
public final class S3ProxyLauncher implements AutoCloseable, Supplier<String> {
    private final S3Proxy proxy;
    private final BlobStore store;

    private S3ProxyLauncher(S3Proxy proxy, BlobStore store) {
        this.proxy = proxy;
        this.store = store;
    }

    /** Starts s3proxy on {@code port} (0: any free one), storing buckets under {@code baseDir}. */
    public static Object start(int port, String baseDir, String accessKey, String secretKey) throws Exception {
        Properties properties = new Properties();
        properties.setProperty("jclouds.filesystem.basedir", baseDir);
        properties.setProperty(Constants.PROPERTY_IDENTITY, accessKey);
        properties.setProperty(Constants.PROPERTY_CREDENTIAL, secretKey);
        BlobStore store = BlobStores.create("filesystem-nio2", properties);
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(store)
                .endpoint(URI.create("http://127.0.0.1:" + port))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
                .ignoreUnknownHeaders(true)
                .build();
        proxy.start();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!"STARTED".equals(proxy.getState())) {
            if (System.nanoTime() > deadline) {
                proxy.stop();
                throw new IllegalStateException("s3proxy did not start within 30 s: " + proxy.getState());
            }
            Thread.sleep(10);
        }
        return new S3ProxyLauncher(proxy, store);
    }

    @Override
    public String get() {
        return "http://127.0.0.1:" + proxy.getPort();
    }

    @Override
    public void close() throws Exception {
        try {
            proxy.stop();
        } finally {
            store.close();
        }
    }
}
