package io.vecforge.bundle.s3;

import io.vecforge.bundle.BundleLayout;
import io.vecforge.bundle.BundleStorage;
import io.vecforge.bundle.CommitOperations;
import io.vecforge.bundle.FileDigest;
import io.vecforge.bundle.StorageEntry;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * {@link BundleStorage} on S3 (and S3-compatible servers) through the AWS SDK v2, for s3:// and
 * s3a:// roots. A PUT replaces an object atomically, so writes need no temporary names; every PUT
 * and part carries its Content-MD5, which the server checks. "Directories" are key prefixes.
 * LATEST moves through {@link S3CommitOperations} (conditional PUTs, no lock object).
 */
public final class S3BundleStorage implements BundleStorage {
    private static final Logger LOG = LoggerFactory.getLogger(S3BundleStorage.class);
    /** The HTTP status of a failed condition (If-None-Match, If-Match), and of a conflicting concurrent one. */
    static final int PRECONDITION_FAILED = 412;
    static final int CONFLICT = 409;

    private final S3Client client;
    private final S3Settings settings;

    S3BundleStorage(S3Client client, S3Settings settings) {
        this.client = client;
        this.settings = settings;
    }

    public static boolean handles(URI uri) {
        return "s3".equals(uri.getScheme()) || "s3a".equals(uri.getScheme());
    }

    public static S3BundleStorage forUri(URI uri, Configuration conf) {
        if (uri.getAuthority() == null || uri.getAuthority().isBlank()) {
            throw new io.vecforge.UsageException(uri + ": an S3 root names its bucket: s3://bucket/prefix");
        }
        S3Settings settings;
        try {
            settings = S3Settings.from(conf);
        } catch (IllegalArgumentException e) {
            throw new io.vecforge.UsageException("S3 settings: " + e.getMessage());
        }
        return new S3BundleStorage(S3Clients.forSettings(settings), settings);
    }

    S3Client client() {
        return client;
    }

    /** Where conditional writes were probed: the endpoint and the bucket. */
    String probeScope(S3Location location) {
        return S3Clients.effectiveEndpoint(settings).map(URI::toString).orElse("aws") + "/" + location.bucket();
    }

    @Override
    public CommitOperations commitOperations(BundleLayout layout) {
        return new S3CommitOperations(this, layout);
    }

    @Override
    public Path qualify(Path path) {
        S3Location.of(path);
        return path;
    }

    @Override
    public boolean exists(Path path) throws IOException {
        return head(path).isPresent() || hasChildren(path);
    }

    @Override
    public FileDigest write(Path target, byte[] content) throws IOException {
        S3Location location = S3Location.of(target);
        call("write", target, () -> client.putObject(put(location, content).build(), RequestBody.fromBytes(content)));
        return FileDigest.of(content);
    }

    @Override
    public FileDigest upload(java.nio.file.Path local, Path target, Path scratchDir) throws IOException {
        S3Location location = S3Location.of(target);
        long size = Files.size(local);
        if (size <= settings.multipartThreshold()) {
            byte[] md5;
            FileDigest digest;
            try (InputStream in = new java.security.DigestInputStream(Files.newInputStream(local), md5())) {
                digest = FileDigest.of(in);
                md5 = ((java.security.DigestInputStream) in).getMessageDigest().digest();
            }
            call("upload", target, () -> client.putObject(PutObjectRequest.builder().bucket(location.bucket())
                    .key(location.key()).contentLength(size).contentMD5(base64(md5)).build(),
                    RequestBody.fromFile(local)));
            return digest;
        }
        return new MultipartUpload(client, location, settings.partSize()).upload(local, target);
    }

    @Override
    public InputStream open(Path path, long offset) throws IOException {
        S3Location location = S3Location.of(path);
        GetObjectRequest.Builder request = GetObjectRequest.builder().bucket(location.bucket()).key(location.key());
        if (offset > 0) {
            request.range("bytes=" + offset + "-");
        }
        return call("read", path, () -> client.getObject(request.build()));
    }

    /** The object's content with its ETag and metadata, if it exists. */
    Optional<S3Object> readObject(Path path) throws IOException {
        S3Location location = S3Location.of(path);
        try (ResponseInputStream<GetObjectResponse> in = call("read", path, () -> client.getObject(
                GetObjectRequest.builder().bucket(location.bucket()).key(location.key()).build()))) {
            GetObjectResponse response = in.response();
            return Optional.of(new S3Object(in.readAllBytes(), response.eTag(), response.metadata()));
        } catch (FileNotFoundException e) {
            return Optional.empty();
        }
    }

    /**
     * A conditional PUT: {@code ifMatch} null asks {@code If-None-Match: *} (create only if absent),
     * otherwise {@code If-Match: ifMatch} (replace only that content). Returns the new ETag, or empty
     * when the condition failed.
     */
    Optional<String> putIf(Path target, byte[] content, String ifMatch, Map<String, String> metadata)
            throws IOException {
        S3Location location = S3Location.of(target);
        PutObjectRequest.Builder request = put(location, content).metadata(metadata);
        if (ifMatch == null) {
            request.ifNoneMatch("*");
        } else {
            request.ifMatch(ifMatch);
        }
        try {
            return Optional.of(client.putObject(request.build(), RequestBody.fromBytes(content)).eTag());
        } catch (S3Exception e) {
            if (e.statusCode() == PRECONDITION_FAILED || e.statusCode() == CONFLICT
                    || (ifMatch != null && e.statusCode() == 404)) {
                return Optional.empty();
            }
            throw failure("conditional write", target, e);
        } catch (SdkException e) {
            throw failure("conditional write", target, e);
        }
    }

    @Override
    public void download(Path source, java.nio.file.Path local) throws IOException {
        try (InputStream in = open(source, 0)) {
            Files.copy(in, local, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Override
    public long length(Path path) throws IOException {
        Optional<HeadObjectResponse> head = head(path);
        if (head.isPresent()) {
            return head.get().contentLength();
        }
        if (hasChildren(path)) {
            return 0;
        }
        throw new FileNotFoundException(path.toString());
    }

    @Override
    public long modificationTime(Path path) throws IOException {
        Optional<HeadObjectResponse> head = head(path);
        if (head.isPresent()) {
            return head.get().lastModified().toEpochMilli();
        }
        long newest = newestUnder(path);
        if (newest < 0) {
            throw new FileNotFoundException(path.toString());
        }
        return newest;
    }

    /**
     * The objects and sub-prefixes right under {@code dir}. A prefix's modification time is that of
     * the newest object under it, so gc's grace period counts from a build's last write.
     */
    @Override
    public List<StorageEntry> list(Path dir) throws IOException {
        S3Location location = S3Location.of(dir).asPrefix();
        List<StorageEntry> entries = new ArrayList<>();
        List<Path> prefixes = new ArrayList<>();
        for (ListObjectsV2Response page : pages(location, "/", dir)) {
            for (software.amazon.awssdk.services.s3.model.S3Object object : page.contents()) {
                if (!object.key().equals(location.key())) {
                    entries.add(new StorageEntry(location.child(object.key()), false, object.size(),
                            object.lastModified().toEpochMilli()));
                }
            }
            page.commonPrefixes().forEach(prefix -> prefixes.add(location.child(prefix.prefix())));
        }
        for (Path child : prefixes) {
            entries.add(new StorageEntry(child, true, 0, Math.max(0, newestUnder(child))));
        }
        return entries;
    }

    @Override
    public boolean isSymlink(Path path) {
        return false;
    }

    @Override
    public void mkdirs(Path dir) {
        S3Location.of(dir); // prefixes exist by their objects
    }

    @Override
    public void delete(Path path) throws IOException {
        S3Location location = S3Location.of(path);
        for (String key : keysUnder(location.asPrefix())) {
            deleteKey(location.bucket(), key, path);
        }
        deleteKey(location.bucket(), location.key(), path);
    }

    private void deleteKey(String bucket, String key, Path path) throws IOException {
        call("delete", path, () -> client.deleteObject(b -> b.bucket(bucket).key(key)));
    }

    private List<String> keysUnder(S3Location prefix) throws IOException {
        List<String> keys = new ArrayList<>();
        for (ListObjectsV2Response page : pages(prefix, null, prefix.path())) {
            page.contents().forEach(object -> keys.add(object.key()));
        }
        return keys;
    }

    private long newestUnder(Path dir) throws IOException {
        long newest = -1;
        for (ListObjectsV2Response page : pages(S3Location.of(dir).asPrefix(), null, dir)) {
            for (software.amazon.awssdk.services.s3.model.S3Object object : page.contents()) {
                newest = Math.max(newest, object.lastModified().toEpochMilli());
            }
        }
        return newest;
    }

    /** Every page of a listing under {@code prefix} ({@code delimiter} null: recursive). */
    private List<ListObjectsV2Response> pages(S3Location prefix, String delimiter, Path path) throws IOException {
        List<ListObjectsV2Response> pages = new ArrayList<>();
        String token = null;
        do {
            ListObjectsV2Request.Builder request = ListObjectsV2Request.builder().bucket(prefix.bucket())
                    .prefix(prefix.key()).delimiter(delimiter).continuationToken(token);
            ListObjectsV2Response page = call("list", path, () -> client.listObjectsV2(request.build()));
            pages.add(page);
            token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
        } while (token != null);
        return pages;
    }

    private boolean hasChildren(Path dir) throws IOException {
        S3Location prefix = S3Location.of(dir).asPrefix();
        return !call("list", dir, () -> client.listObjectsV2(b -> b.bucket(prefix.bucket()).prefix(prefix.key())
                .maxKeys(1))).contents().isEmpty();
    }

    private Optional<HeadObjectResponse> head(Path path) throws IOException {
        S3Location location = S3Location.of(path);
        if (location.key().isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(call("stat", path, () -> client.headObject(b -> b.bucket(location.bucket())
                    .key(location.key()))));
        } catch (FileNotFoundException e) {
            return Optional.empty();
        }
    }

    private static PutObjectRequest.Builder put(S3Location location, byte[] content) {
        return PutObjectRequest.builder().bucket(location.bucket()).key(location.key())
                .contentLength((long) content.length).contentMD5(base64(md5().digest(content)));
    }

    static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no MD5", e);
        }
    }

    static String base64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    interface SdkCall<T> {
        T run();
    }

    /** Runs one request, turning the SDK's unchecked errors into the IOExceptions callers handle. */
    static <T> T call(String what, Path path, SdkCall<T> request) throws IOException {
        try {
            return request.run();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                throw new FileNotFoundException(path + " (S3: " + errorCode(e) + ")");
            }
            throw failure(what, path, e);
        } catch (SdkException | UncheckedIOException e) {
            throw failure(what, path, e);
        }
    }

    static IOException failure(String what, Path path, RuntimeException e) {
        String detail = e instanceof S3Exception s3
                ? errorCode(s3) + " (HTTP " + s3.statusCode() + ")" : e.getMessage();
        LOG.debug("S3 {} of {} failed", what, path, e);
        return new IOException("S3 " + what + " of " + path + " failed: " + detail, e);
    }

    private static String errorCode(S3Exception e) {
        return e.awsErrorDetails() != null && e.awsErrorDetails().errorCode() != null
                ? e.awsErrorDetails().errorCode() + ": " + e.awsErrorDetails().errorMessage()
                : "HTTP " + e.statusCode();
    }

    /** S3's multipart upload: parts of {@code partSize}, each with its Content-MD5; aborted on any failure. */
    private record MultipartUpload(S3Client client, S3Location location, long partSize) {
        FileDigest upload(java.nio.file.Path local, Path target) throws IOException {
            String uploadId = call("start multipart upload", target, () -> client.createMultipartUpload(b -> b
                    .bucket(location.bucket()).key(location.key()))).uploadId();
            try (InputStream in = Files.newInputStream(local)) {
                java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
                List<CompletedPart> parts = new ArrayList<>();
                byte[] buffer = new byte[Math.toIntExact(partSize)];
                long total = 0;
                for (int number = 1; ; number++) {
                    int length = in.readNBytes(buffer, 0, buffer.length);
                    if (length == 0 && number > 1) {
                        break;
                    }
                    crc.update(buffer, 0, length);
                    total += length;
                    byte[] part = java.util.Arrays.copyOf(buffer, length);
                    int partNumber = number;
                    String eTag = call("upload part " + number, target, () -> client.uploadPart(b -> b
                            .bucket(location.bucket()).key(location.key()).uploadId(uploadId).partNumber(partNumber)
                            .contentLength((long) length).contentMD5(base64(md5().digest(part))),
                            RequestBody.fromBytes(part))).eTag();
                    parts.add(CompletedPart.builder().partNumber(number).eTag(eTag).build());
                    io.vecforge.FailPoint.reach(io.vecforge.FailPoint.S3_PART_UPLOADED);
                    if (length < buffer.length) {
                        break;
                    }
                }
                call("complete multipart upload", target, () -> client.completeMultipartUpload(b -> b
                        .bucket(location.bucket()).key(location.key()).uploadId(uploadId)
                        .multipartUpload(m -> m.parts(parts))));
                LOG.debug("uploaded {} in {} parts", target, parts.size());
                return new FileDigest(total, crc.getValue());
            } catch (IOException | RuntimeException e) {
                try {
                    client.abortMultipartUpload(b -> b.bucket(location.bucket()).key(location.key())
                            .uploadId(uploadId));
                } catch (RuntimeException abort) {
                    e.addSuppressed(abort);
                }
                throw e;
            }
        }
    }
}
