package io.vecforge.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecforge.FailPoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The commit point: before the pointer moves a commit can fail cleanly, after it nothing can fail it. */
class VersionCommitTest {
    @TempDir
    Path root;

    private BundleStorage storage;
    private BundleLayout layout;

    @BeforeEach
    void setUp() throws Exception {
        storage = BundleStorage.forUri(root.toUri(), new Configuration());
        layout = new BundleLayout(new org.apache.hadoop.fs.Path(root.toUri()), "idx");
        stage("20261101-a");
        new VersionCommit(storage, layout, "20261101-a").publish("", "build");
        stage("20261102-b");
    }

    @AfterEach
    void disarm() {
        System.clearProperty(FailPoint.PROPERTY);
    }

    @Test
    void aFailedPointerWriteIsAFailedCommitAndLeavesLatest() {
        System.setProperty(FailPoint.PROPERTY, FailPoint.POINTER_WRITE + ":throw");
        CommitFailedException e = assertThrows(CommitFailedException.class,
                () -> new VersionCommit(storage, layout, "20261102-b").publish("20261101-a", "build"));
        assertTrue(e.getMessage().contains("it still names 20261101-a"), e.getMessage());
        assertEquals("20261101-a", latest());
        assertFalse(Files.exists(indexDir().resolve("_publish.lock")), "the lock is released");
    }

    @Test
    void anErrorAfterThePointerMovedIsAWarningNotAFailure() throws Exception {
        System.setProperty(FailPoint.PROPERTY, FailPoint.AFTER_POINTER + ":throw");
        VersionCommit.Outcome outcome = new VersionCommit(storage, layout, "20261102-b").publish("20261101-a", "build");
        assertEquals("20261102-b", latest());
        assertEquals("20261101-a", outcome.from());
        assertEquals(1, outcome.warnings().size());
        assertTrue(outcome.warnings().get(0).contains("HISTORY.jsonl was not appended"), outcome.warnings().get(0));
        assertTrue(new BundleReader(storage, layout.versionDir("20261102-b")).isComplete());
    }

    @Test
    void theVersionLatestNamesIsNeverMarkedFailed() throws Exception {
        new VersionCommit(storage, layout, "20261102-b").publish(null, "publish");
        VersionCommit commit = new VersionCommit(storage, layout, "20261102-b");
        assertThrows(IllegalStateException.class, () -> commit.fail(Map.of("failure", "FAILED")));
        assertTrue(new BundleReader(storage, layout.versionDir("20261102-b")).isComplete(), "its files are untouched");
        assertFalse(Files.exists(indexDir().resolve("20261102-b").resolve(BundleLayout.FAILED)));
    }

    @Test
    void aLatestPointingOutsideTheIndexIsRefusedNotFollowed() throws Exception {
        Files.writeString(indexDir().resolve(BundleLayout.LATEST), "../elsewhere\n");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> VersionCommit.published(storage, layout));
        assertTrue(e.getMessage().contains("names '../elsewhere'"), e.getMessage());
        assertThrows(IllegalStateException.class,
                () -> new VersionCommit(storage, layout, "20261102-b").publish(null, "publish"));
        assertEquals("../elsewhere", latest(), "a refused publish does not touch it");
    }

    @Test
    void completeMeansTheSuccessMarkerVouchesForTheManifest() throws Exception {
        Path manifest = indexDir().resolve("20261102-b").resolve(Manifest.FILE_NAME);
        Files.writeString(manifest, Files.readString(manifest).replace("1234", "1235"));
        assertFalse(new BundleReader(storage, layout.versionDir("20261102-b")).isComplete());
        assertThrows(CommitFailedException.class,
                () -> new VersionCommit(storage, layout, "20261102-b").publish(null, "publish"));
        Files.delete(indexDir().resolve("20261102-b").resolve(BundleLayout.SUCCESS));
        assertFalse(new BundleReader(storage, layout.versionDir("20261102-b")).isComplete());
    }

    @Test
    void aDeltaVersionPublishesOnlyOverItsBaseAndARollbackMayReturnToIt() throws Exception {
        stageDelta("20261103-d", "20261101-a");
        stageDelta("20261104-e", "20261102-b");
        new VersionCommit(storage, layout, "20261102-b").publish(null, "publish");

        CommitFailedException stale = assertThrows(CommitFailedException.class,
                () -> new VersionCommit(storage, layout, "20261103-d").publish(null, "publish"));
        assertTrue(stale.getMessage().contains("is a delta on 20261101-a")
                && stale.getMessage().contains("names 20261102-b"), stale.getMessage());
        assertThrows(CommitFailedException.class,
                () -> new VersionCommit(storage, layout, "20261103-d").publish("20261101-a", "build"));
        assertEquals("20261102-b", latest(), "a refused delta leaves LATEST");

        new VersionCommit(storage, layout, "20261104-e").publish(null, "publish");
        assertEquals("20261104-e", latest());
        new IndexLifecycle(storage, layout).rollback("20261103-d");
        assertEquals("20261103-d", latest(), "a rollback returns to any complete version, a delta's included");
    }

    private void stageDelta(String version, String base) throws Exception {
        Manifest manifest = Manifest.fromJson(String.format("{\"indexName\": \"idx\", \"version\": \"%s\","
                + " \"source\": {\"acceptedRows\": 1234}, \"delta\": {\"base\": \"%s\", \"chain\": 1,"
                + " \"fullBuild\": \"%s\"}}", version, base, base).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        storage.mkdirs(layout.versionDir(version));
        new VersionCommit(storage, layout, version).stage(manifest.toJson());
    }

    private void stage(String version) throws Exception {
        Manifest manifest = TestManifests.minimal("idx", version);
        storage.mkdirs(layout.versionDir(version));
        new VersionCommit(storage, layout, version).stage(manifest.toJson());
    }

    private Path indexDir() {
        return root.resolve("idx");
    }

    private String latest() {
        try {
            return Files.readString(indexDir().resolve(BundleLayout.LATEST)).trim();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
