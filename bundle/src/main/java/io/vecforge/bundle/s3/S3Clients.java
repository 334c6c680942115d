package io.vecforge.bundle.s3;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/** One S3 client per setting in a JVM (each Spark task opens storage; they share its connections). */
final class S3Clients {
    private static final Map<S3Settings, S3Client> CLIENTS = new ConcurrentHashMap<>();

    private S3Clients() {}

    static S3Client forSettings(S3Settings settings) {
        return CLIENTS.computeIfAbsent(settings, S3Clients::create);
    }

    /** The endpoint requests go to: the configured one, else AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, else AWS's. */
    static Optional<URI> effectiveEndpoint(S3Settings settings) {
        if (settings.endpoint() != null) {
            return Optional.of(settings.endpoint());
        }
        for (String variable : new String[] {"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"}) {
            String value = System.getenv(variable);
            if (value != null && !value.isBlank()) {
                return Optional.of(URI.create(value.trim()));
            }
        }
        return Optional.empty();
    }

    private static S3Client create(S3Settings settings) {
        URI endpoint = effectiveEndpoint(settings).orElse(null);
        S3ClientBuilder builder = S3Client.builder()
                .httpClient(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(10))
                        .socketTimeout(Duration.ofSeconds(60))
                        .build())
                .credentialsProvider(credentials(settings))
                .region(region(settings))
                .forcePathStyle(settings.pathStyleFor(endpoint))
                // Integrity comes from Content-MD5 on every PUT (checked by every S3-compatible server) and
                // the manifest's CRC32C; the SDK's newer default trailing checksums are not understood by all.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        if (endpoint != null) {
            builder.endpointOverride(endpoint);
        }
        return builder.build();
    }

    private static AwsCredentialsProvider credentials(S3Settings settings) {
        if (settings.accessKey() == null) {
            return DefaultCredentialsProvider.builder().build();
        }
        return StaticCredentialsProvider.create(settings.sessionToken() == null
                ? AwsBasicCredentials.create(settings.accessKey(), settings.secretKey())
                : AwsSessionCredentials.create(settings.accessKey(), settings.secretKey(), settings.sessionToken()));
    }

    private static Region region(S3Settings settings) {
        if (settings.region() != null) {
            return Region.of(settings.region());
        }
        try {
            return new DefaultAwsRegionProviderChain().getRegion();
        } catch (RuntimeException none) {
            return Region.US_EAST_1; // the region S3-compatible servers sign for when none is set
        }
    }
}
