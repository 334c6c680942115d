package io.vecforge.validate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vecforge.Failure;
import io.vecforge.bundle.BundleLayout;
import io.vecforge.bundle.Fvecs;
import io.vecforge.bundle.Manifest;
import io.vecforge.bundle.ShardAssignment;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleValidatorTest {
    private static final String SHARD_1 = BundleLayout.shardFileName(1);

    @TempDir
    Path dir;

    private TestBundle bundle;

    @BeforeEach
    void writeBundle() throws IOException {
        bundle = TestBundle.write(dir);
    }

    @Test
    void theIntactBundleIsValid() throws IOException {
        ValidationReport report = validate(true, null);

        assertTrue(report.isOk(), report.summary());
        assertEquals(0, report.exitCode());
        assertEquals(List.of("manifest", "complete", "files", "row counts", "shards load", "unique ids", "recall",
                "location"), report.checksPassed);
        assertEquals(TestBundle.INDEX_NAME, report.indexName);
        assertEquals(bundle.manifest.version(), report.version);
        assertEquals(TestBundle.ROWS, report.rows);
        assertEquals(TestBundle.SHARDS, report.shards);
        assertEquals(TestBundle.NPROBE, report.nprobe);
        assertEquals(TestBundle.MIN_RECALL, report.minRecall);
        assertNotNull(report.recall);
        assertEquals(bundle.recall, report.recall, 1e-12);
        assertTrue(report.recall >= TestBundle.MIN_RECALL && report.recall <= 1.0, "recall " + report.recall);
    }

    @Test
    void reportJsonListsTheChecksAndNoProblemsWhenValid() throws IOException {
        JsonNode json = new ObjectMapper().readTree(validate(true, null).toJson());

        assertTrue(json.get("ok").asBoolean());
        assertEquals(0, json.get("exitCode").asInt());
        assertEquals(bundle.recall, json.get("recall").asDouble(), 1e-12);
        assertEquals(0, json.get("problems").size());
        assertEquals("recall", json.get("checksPassed").get(6).asText());
    }

    @Test
    void missingManifestIs10() throws IOException {
        Files.delete(bundle.local(Manifest.FILE_NAME));

        ValidationReport report = validate(true, null);

        assertFirstProblem(report, Failure.MANIFEST, Manifest.FILE_NAME);
        assertTrue(report.problems.get(0).message().contains(Manifest.FILE_NAME));
        assertEquals(1, report.problems.size());
    }

    @Test
    void garbageManifestIs10() throws IOException {
        for (String garbage : new String[] {"{\"shards\": [", "null", ""}) {
            Files.writeString(bundle.local(Manifest.FILE_NAME), garbage, StandardCharsets.UTF_8);

            ValidationReport report = validate(true, null);

            assertFirstProblem(report, Failure.MANIFEST, Manifest.FILE_NAME);
            assertTrue(report.problems.get(0).message().contains(Manifest.FILE_NAME), garbage);
        }
    }

    @Test
    void inconsistentManifestIs10() throws IOException {
        bundle.set("/sharding/shards", 4);

        ValidationReport report = validate(true, null);

        assertFirstProblem(report, Failure.MANIFEST, Manifest.FILE_NAME);
        assertTrue(report.problems.get(0).message().contains("sharding.shards=4"), report.summary());
    }

    @Test
    void missingSuccessMarkerIs11OnlyWhenRequired() throws IOException {
        Files.delete(bundle.local(BundleLayout.SUCCESS));

        ValidationReport required = validate(true, null);
        assertFirstProblem(required, Failure.INCOMPLETE, BundleLayout.SUCCESS);
        assertEquals(1, required.problems.size(), required.summary());

        ValidationReport notRequired = validate(false, null);
        assertTrue(notRequired.isOk(), notRequired.summary());
        assertFalse(notRequired.checksPassed.contains("complete"));
        assertEquals(bundle.recall, notRequired.recall, 1e-12);
    }

    @Test
    void aManifestChangedAfterCompletionIs11() throws IOException {
        Path manifest = bundle.local(Manifest.FILE_NAME);
        Files.writeString(manifest, Files.readString(manifest).replace("\"minRecall\"", "\"minRecall\" ")); // same JSON, other bytes

        ValidationReport report = validate(true, null);

        assertFirstProblem(report, Failure.INCOMPLETE, BundleLayout.SUCCESS);
        assertTrue(report.problems.get(0).message().contains("does not vouch for this manifest.json"),
                report.summary());
    }

    @Test
    void aFileListedTwiceIs10() throws IOException {
        Manifest.BundleFile first = bundle.manifest.files().get(0);
        bundle.edit(tree -> tree.withArray("files").add(tree.get("files").get(0).deepCopy()));

        ValidationReport report = validate(true, null);

        assertFirstProblem(report, Failure.MANIFEST, first.file());
        assertTrue(report.problems.get(0).message().contains("lists '" + first.file() + "' more than once"));
    }

    @Test
    void aManifestNamingAFileOutsideTheVersionIs10AndNothingIsRead() throws IOException {
        Path outside = dir.resolve("secret.txt");
        Files.writeString(outside, "not part of any bundle");
        bundle.set("/files/0/file", "../secret.txt");
        bundle.set("/files/1/file", outside.toString());

        ValidationReport report = validate(true, null);

        assertFirstProblem(report, Failure.MANIFEST, "../secret.txt");
        assertTrue(report.problems.get(0).message().contains("not a plain name inside the bundle"), report.summary());
        assertTrue(report.problems.get(1).message().contains("is an absolute path"), report.summary());
        assertFalse(report.checksPassed.contains("files"), "validation stops before reading any file");
    }

    @Test
    void aVersionCopiedUnderAnotherNameIs19() throws IOException {
        String renamed = "20260101-renamed";
        Path copy = bundle.local(Manifest.FILE_NAME).getParent().resolveSibling(renamed);
        Files.move(bundle.local(Manifest.FILE_NAME).getParent(), copy);

        ValidationReport report = new BundleValidator(bundle.storage, new BundleValidator.Options(true, null, null,
                dir.resolve("scratch"))).validate(bundle.storage.qualify(new org.apache.hadoop.fs.Path(copy.toUri())));

        assertFirstProblem(report, Failure.MISPLACED, Manifest.FILE_NAME);
        assertEquals(1, report.problems.size(), report.summary());
        assertTrue(report.problems.get(0).message().contains("lies in '" + renamed + "'"), report.summary());
    }

    @Test
    void missingShardIs12() throws IOException {
        Files.delete(bundle.local(SHARD_1));

        ValidationReport report = validate(true, null);

        assertFirstProblem(report, Failure.MISSING_FILE, SHARD_1);
        assertNull(report.recall);
    }

    @Test
    void truncatedShardIs13() throws IOException {
        Path shard = bundle.local(SHARD_1);
        byte[] bytes = Files.readAllBytes(shard);
        Files.write(shard, Arrays.copyOf(bytes, bytes.length - 100));

        ValidationReport report = validate(true, null);

        assertFirstProblem(report, Failure.SIZE_MISMATCH, SHARD_1);
        assertTrue(report.problems.get(0).message().contains(String.valueOf(bytes.length - 100)));
        assertNull(report.recall);
    }

    @Test
    void flippedByteIs14() throws IOException {
        Path shard = bundle.local(SHARD_1);
        byte[] bytes = Files.readAllBytes(shard);
        bytes[bytes.length / 2] ^= 0x40;
        Files.write(shard, bytes);

        ValidationReport report = validate(true, null);

        assertFirstProblem(report, Failure.CHECKSUM_MISMATCH, SHARD_1);
        assertTrue(report.problems.get(0).message().contains(bundle.manifest.shards().get(1).crc32c()));
        assertNull(report.recall);
    }

    @Test
    void damagedGroundTruthIs14AndSkipsRecall() throws IOException {
        Path truth = bundle.local(BundleLayout.GROUND_TRUTH);
        byte[] bytes = Files.readAllBytes(truth);
        bytes[bytes.length - 1] ^= 0x01;
        Files.write(truth, bytes);

        ValidationReport report = validate(true, null);

        assertFirstProblem(report, Failure.CHECKSUM_MISMATCH, BundleLayout.GROUND_TRUTH);
        assertNull(report.recall);
    }

    @Test
    void holdoutFilesTheManifestDoesNotListAreNotReadButReported() throws IOException {
        Path unlisted = bundle.local("holdout/other.fvecs");
        Files.copy(bundle.local(bundle.manifest.validation().queriesFile()), unlisted);
        bundle.set("/validation/queriesFile", "holdout/other.fvecs");

        ValidationReport report = validate(true, null);

        assertFirstProblem(report, Failure.MANIFEST, "holdout/other.fvecs");
        assertTrue(report.problems.get(0).message().contains("names a file the manifest does not list"),
                report.summary());
        assertNull(report.recall);
    }

    @Test
    void shardRowsThatDoNotAddUpAre15() throws IOException {
        bundle.set("/shards/1/rows", bundle.manifest.shards().get(1).rows() + 1);

        ValidationReport report = validate(true, null);

        assertFirstProblem(report, Failure.ROW_COUNT_MISMATCH, Manifest.FILE_NAME);
        assertTrue(report.problems.get(0).message().contains((TestBundle.ROWS + 1) + " rows"), report.summary());
        // the shard itself no longer matches its entry either
        assertTrue(report.problems.stream().anyMatch(
                p -> p.failure() == Failure.SHARD_UNREADABLE && SHARD_1.equals(p.file())), report.summary());
    }

    @Test
    void shardsDisagreeingWithTheManifestDimensionAre16() throws IOException {
        bundle.set("/vectors/dimension", 8);

        ValidationReport report = validate(true, null);

        assertFirstProblem(report, Failure.SHARD_UNREADABLE, BundleLayout.shardFileName(0));
        assertTrue(report.problems.get(0).message().contains("dimension 16, manifest says 8"), report.summary());
        assertEquals(TestBundle.SHARDS, report.problems.size(), report.summary());
        assertNull(report.recall);
    }

    @Test
    void shardThatIsNotAFaissIndexIs16() throws IOException {
        byte[] junk = "not a faiss index".getBytes(StandardCharsets.UTF_8);
        Path shard = bundle.local(SHARD_1);
        Files.write(shard, junk);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(junk);
        bundle.set("/shards/1/bytes", junk.length);
        bundle.set("/shards/1/crc32c", String.format("%08x", crc.getValue()));

        ValidationReport report = validate(true, null);

        assertFirstProblem(report, Failure.SHARD_UNREADABLE, SHARD_1);
        assertTrue(report.problems.get(0).message().startsWith("Faiss cannot load it"), report.summary());
    }

    @Test
    void anIdTwiceInAShardIs17() throws IOException {
        long[] ids = bundle.idsOfShard(1);
        ids[ids.length - 1] = ids[0]; // same row count, one id stored twice
        bundle.replaceShard(1, ids);

        ValidationReport report = validate(true, null);

        assertFirstProblem(report, Failure.DUPLICATE_IDS, SHARD_1);
        assertTrue(report.problems.get(0).message().contains("id " + ids[0] + " appears more than once"),
                report.summary());
    }

    @Test
    void anIdOfAnotherShardIs17() throws IOException {
        long[] ids = bundle.idsOfShard(1);
        long foreign = bundle.idsOfShard(2)[5];
        ids[ids.length - 1] = foreign; // same row count; the id is now in shards 1 and 2
        bundle.replaceShard(1, ids);

        ValidationReport report = validate(true, null);

        assertEquals(2, ShardAssignment.shardOf(foreign, TestBundle.SHARDS));
        assertFirstProblem(report, Failure.DUPLICATE_IDS, SHARD_1);
        assertTrue(report.problems.get(0).message().contains("id " + foreign + " belongs to shard 2"),
                report.summary());
    }

    @Test
    void recallBelowTheThresholdIs18() throws IOException {
        ValidationReport report = validate(true, 0.999);

        assertFirstProblem(report, Failure.RECALL_TOO_LOW, null);
        assertEquals(1, report.problems.size(), report.summary());
        assertEquals(0.999, report.minRecall);
        assertEquals(bundle.recall, report.recall, 1e-12);
        assertTrue(report.recall < 0.999, "recall " + report.recall);
        String message = report.problems.get(0).message();
        assertTrue(message.contains("below 0.9990"), report.summary());
        // without a sweep (vecforge validate) it names every next step; with one, the curve (NprobeSweepTest)
        assertTrue(message.contains("try more nprobe") && message.contains("SQ8")
                && message.contains("validate.min-recall"), "it says what to try: " + message);

        JsonNode json = new ObjectMapper().readTree(report.toJson());
        assertFalse(json.get("ok").asBoolean());
        assertEquals(18, json.get("exitCode").asInt());
        assertEquals("RECALL_TOO_LOW", json.get("problems").get(0).get("class").asText());
        assertEquals(18, json.get("problems").get(0).get("exitCode").asInt());
    }

    @Test
    void reportJsonNamesTheProblemClassAndFile() throws IOException {
        Files.delete(bundle.local(SHARD_1));

        JsonNode json = new ObjectMapper().readTree(validate(true, null).toJson());

        assertFalse(json.get("ok").asBoolean());
        assertEquals(12, json.get("exitCode").asInt());
        JsonNode problem = json.get("problems").get(0);
        assertEquals("MISSING_FILE", problem.get("class").asText());
        assertEquals(12, problem.get("exitCode").asInt());
        assertEquals(SHARD_1, problem.get("file").asText());
        assertEquals(bundle.versionDir.toString(), json.get("bundle").asText());
    }

    @Test
    void theNprobeSweepGoesOnPastItsFirstRoundOnlyWhileRecallStillRisesShortOfTheTarget() throws IOException {
        TestBundle wide = TestBundle.write(dir.resolve("wide"), "IVF512,Flat"); // sweeps 1 .. 64, a first round to 16
        List<Boolean> laterRounds = new java.util.ArrayList<>();
        BundleValidator.ShardRunner local = (work, shards) -> {
            laterRounds.add(work.sweep().later());
            List<ShardValidation.Result> results = new java.util.ArrayList<>();
            for (int shard : shards) {
                results.add(work.run(wide.storage, shard));
            }
            return results;
        };
        // a target no nprobe reaches, and recall still rising at 16: later rounds of one doubling each (16 .. 32,
        // then 32 .. 64 while it still rises), nothing checked twice
        ValidationReport unreachable = new BundleValidator(wide.storage, new BundleValidator.Options(true, null, null,
                dir.resolve("scratch"), 1.01), local).validate(wide.versionDir);
        assertTrue(unreachable.isOk(), unreachable.summary());
        List<NprobeSweep.Point> curve = unreachable.nprobeCurve;
        List<Integer> swept = curve.stream().map(NprobeSweep.Point::nprobe).toList();
        assertEquals(List.of(1, 2, 4, 8, 16, 32, 64).subList(0, swept.size()), swept);
        assertTrue(swept.size() >= 6, swept.toString());
        assertTrue(curve.get(4).recall() - curve.get(3).recall() >= NprobeSweep.SETTLED_GAIN, curve.toString());
        List<Boolean> expectedRounds = new java.util.ArrayList<>(List.of(false));
        for (int point = 5; point < swept.size(); point++) {
            expectedRounds.add(true);
        }
        assertEquals(expectedRounds, laterRounds);
        // it stops at the first point where the last doubling gained too little, or at the last step
        for (int end = 5; end < swept.size() - 1; end++) {
            assertTrue(curve.get(end).recall() - curve.get(end - 1).recall() >= NprobeSweep.SETTLED_GAIN,
                    "swept on past a settled point: " + curve);
        }
        boolean stoppedSettled = NprobeSweep.settled(curve, 1.01);
        assertTrue(stoppedSettled || swept.get(swept.size() - 1) == 64, curve.toString());
        // the rounds give the curve of one sweep over the same nprobes, shard by shard
        NprobeSweep whole = null;
        float[] queries = Fvecs.read(wide.local(BundleLayout.QUERIES)).vectors();
        for (int s = 0; s < TestBundle.SHARDS; s++) {
            try (io.vecforge.faiss.FaissIndex shard = io.vecforge.faiss.FaissIndex.read(
                    wide.local(BundleLayout.shardFileName(s)))) {
                NprobeSweep one = new NprobeSweep(swept.stream().mapToInt(Integer::intValue).toArray(),
                        TestBundle.QUERIES, TestBundle.K, true);
                one.search(shard, queries, TestBundle.K);
                whole = whole == null ? one : whole.merge(one);
            }
        }
        Fvecs.LongData truth = Fvecs.readLongs(wide.local(BundleLayout.GROUND_TRUTH));
        List<NprobeSweep.Point> expected = whole.curve(truth.values(), truth.k());
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i).recall(), curve.get(i).recall(), 1e-12, "nprobe " + expected.get(i).nprobe());
        }

        // a target reached within the first round settles the recommendation: one round
        laterRounds.clear();
        ValidationReport reached = new BundleValidator(wide.storage, new BundleValidator.Options(true, null, null,
                dir.resolve("scratch"), 0.5), local).validate(wide.versionDir);
        assertTrue(reached.isOk(), reached.summary());
        assertEquals(List.of(false), laterRounds);
        assertEquals(List.of(1, 2, 4, 8, 16), reached.nprobeCurve.stream().map(NprobeSweep.Point::nprobe).toList());
        assertEquals(expected.subList(0, 5).stream().map(NprobeSweep.Point::recall).toList(),
                reached.nprobeCurve.stream().map(NprobeSweep.Point::recall).toList());
    }

    private ValidationReport validate(boolean requireSuccess, Double minRecall) throws IOException {
        BundleValidator.Options options =
                new BundleValidator.Options(requireSuccess, minRecall, null, dir.resolve("scratch"));
        return new BundleValidator(bundle.storage, options).validate(bundle.versionDir);
    }

    private static void assertFirstProblem(ValidationReport report, Failure failure, String file) {
        assertFalse(report.isOk(), report.summary());
        Problem first = report.problems.get(0);
        assertEquals(failure, first.failure(), report.summary());
        assertEquals(failure.exitCode(), report.exitCode());
        assertEquals(file, first.file(), report.summary());
        if (file != null) {
            assertTrue(first.toString().contains(file), first.toString());
        }
    }
}
