package io.vecforge.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vecforge.bundle.BundleLayout;
import io.vecforge.bundle.Fvecs;
import io.vecforge.bundle.Manifest;
import io.vecforge.data.EmbeddingParquetWriter;
import io.vecforge.faiss.GpuLibrary;
import io.vecforge.jobs.config.BuildConfig;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The end-to-end case: 200,000 x 64 generated vectors, "IVF256,PQ16" in 4 shards, built
 * on local Spark, then checked by the validate command, stock faiss-python and damage.
 */
class EndToEndBuildTest extends SparkTestSupport {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int ROWS = 200_000;
    private static final int DIM = 64;
    private static final String FACTORY = "IVF256,PQ16";

    @TempDir
    static Path dir;

    private BuildResult result;
    private Path versionDir;
    private Path vectors;

    @BeforeAll
    void buildOnce() throws IOException {
        Path input = dir.resolve("input");
        vectors = dir.resolve("vectors.fvecs");
        EmbeddingParquetWriter.generate(new Configuration(), new org.apache.hadoop.fs.Path(input.toUri()), ROWS, DIM,
                5, 7, "id", "vector", vectors);
        Map<String, String> settings = new HashMap<>();
        settings.put("index.name", "e2e");
        settings.put("input.path", input.toUri().toString());
        settings.put("output.root", dir.resolve("bundles").toUri().toString());
        settings.put("index.factory", FACTORY);
        settings.put("shards", "4");
        settings.put("validate.nprobe", "16");
        result = new BuildJob(spark(), BuildConfig.of(settings, "test")).run();
        versionDir = Path.of(java.net.URI.create(result.versionDir()));
    }

    /**
     * The build's only Spark shuffle is the shard shuffle: its files are released once the shards are built, not
     * left to the application's end (deleted asynchronously, so waited for).
     */
    @Test
    void theShardShuffleIsDeletedOnceTheShardsAreBuilt() throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        List<String> shuffleFiles;
        do {
            shuffleFiles = scala.collection.JavaConverters.seqAsJavaList(
                            org.apache.spark.SparkEnv.get().blockManager().diskBlockManager().getAllFiles()).stream()
                    .map(java.io.File::getName).filter(name -> name.startsWith("shuffle_")).toList();
            if (shuffleFiles.isEmpty()) {
                return;
            }
            Thread.sleep(100);
        } while (System.nanoTime() < deadline);
        fail("shuffle files left after the build: " + shuffleFiles);
    }

    @Test
    void manifestAccountsForEveryRowAndFile() throws IOException {
        Manifest manifest = Manifest.fromJson(Files.readAllBytes(versionDir.resolve(Manifest.FILE_NAME)));
        assertEquals(ROWS, manifest.source().acceptedRows());
        assertEquals(ROWS, manifest.shardRows());
        assertEquals(ROWS, manifest.accounting().inputRows());
        assertEquals(ROWS, manifest.accounting().indexedRows());
        assertTrue(manifest.accounting().balances(), "input = indexed + rejected + duplicates dropped");
        assertEquals(4, manifest.shards().size());
        assertEquals(FACTORY, manifest.vectors().factory());
        assertEquals(DIM, manifest.vectors().dimension());
        assertEquals("1.15.0", manifest.faissVersion());
        assertEquals("1.7.3", manifest.faissMinReader(), "IVF,PQ files stay readable by Debian 12's Faiss 1.7.3");
        assertEquals(java.util.Set.of(io.vecforge.faiss.SimdDispatch.current().toString()),
                new java.util.HashSet<>(manifest.runtime().shardDispatch().values()));
        assertEquals(io.vecforge.faiss.SimdDispatch.current().toString(), manifest.runtime().trainDispatch());
        assertTrue(manifest.training().sampleRows() >= 39L * 256, "sample of " + manifest.training().sampleRows());
        GpuLibrary.Probe gpu = GpuLibrary.probe();
        if (!gpu.available()) { // train.trainer=auto in local mode: the machine's GPU, else the CPU and why
            assertEquals(Manifest.Trainer.CPU, manifest.training().trainer());
            assertEquals("train.trainer=auto fell back to the CPU: Spark local mode (this machine's GPU 0), but no GPU"
                    + " is usable here: " + gpu.reason(), manifest.training().note());
        }
        for (Manifest.Shard shard : manifest.shards()) {
            Path file = versionDir.resolve(shard.file());
            assertEquals(shard.bytes(), Files.size(file), shard.file());
            assertEquals(shard.crc32c(), crc32c(file), shard.file());
            assertTrue(shard.rows() > ROWS / 4 - 2_000 && shard.rows() < ROWS / 4 + 2_000, "balanced shards");
        }
        for (Manifest.BundleFile file : manifest.files()) {
            assertEquals(file.crc32c(), crc32c(versionDir.resolve(file.file())), file.file());
        }
        assertTrue(Files.exists(versionDir.resolve(BundleLayout.SUCCESS)));
        assertFalse(Files.exists(versionDir.resolve(BundleLayout.WORK)), "build scratch is removed");
        assertEquals(manifest.version(), Files.readString(versionDir.getParent().resolve("LATEST")).trim());
        assertTrue(manifest.timingsMillis().keySet().containsAll(
                java.util.List.of("read", "sample", "train", "shards", "validate")));
        // where the time went: Faiss's training phases, the shard tasks' phases, each Spark stage by build stage
        Manifest.Runtime runtime = manifest.runtime();
        assertTrue(runtime.trainPhaseMillis().keySet().containsAll(java.util.List.of("load", "coarse-kmeans",
                "residuals", "pq-codebooks", "write", "upload")), runtime.trainPhaseMillis().toString());
        assertTrue(runtime.shardPhaseMillis().keySet().containsAll(java.util.List.of("rows", "add",
                "exact-neighbours", "write", "upload")), runtime.shardPhaseMillis().toString());
        java.util.Set<String> sparkStagesOf = new java.util.HashSet<>();
        runtime.sparkStages().forEach(stage -> sparkStagesOf.add(stage.buildStage()));
        assertTrue(sparkStagesOf.containsAll(java.util.List.of("check", "train", "shards", "validate")),
                sparkStagesOf.toString());
        // the driver reads the footers (schema, row count) and the sample and queries from what the scan reported
        // and wrote: none of the three runs a Spark job
        assertFalse(sparkStagesOf.contains("read") || sparkStagesOf.contains("sample")
                || sparkStagesOf.contains("queries"), sparkStagesOf.toString());
        // the input scan is the shard shuffle's map side: the check stage writes every vector, the shards stage reads it
        long written = runtime.sparkStages().stream().filter(stage -> stage.buildStage().equals("check"))
                .mapToLong(Manifest.SparkStage::shuffleWriteBytes).sum();
        long read = runtime.sparkStages().stream().filter(stage -> stage.buildStage().equals("shards"))
                .mapToLong(Manifest.SparkStage::shuffleReadBytes).sum();
        assertTrue(read >= (long) ROWS * DIM * Float.BYTES, "the shards stage reads every vector: " + read);
        assertTrue(written >= read, "from the scan's shuffle (its row count's small one beside it): " + written);
        assertTrue(manifest.training().quantizerFit() > 0, "measured on the sample the trainer held");
        assertTrue(runtime.trainPhaseMillis().containsKey("quantizer-fit"), runtime.trainPhaseMillis().toString());
    }

    @Test
    void theGroundTruthIsFourKDeepWithDistancesAndMatchesBruteForce() throws IOException {
        Manifest manifest = Manifest.fromJson(Files.readAllBytes(versionDir.resolve(Manifest.FILE_NAME)));
        int depth = manifest.groundTruthDepth();
        assertEquals(4 * manifest.validation().k(), depth);
        assertTrue(manifest.validation().listImbalance() >= 1.0, "imbalance " + manifest.validation().listImbalance());
        Fvecs.Data queries = Fvecs.read(versionDir.resolve(BundleLayout.QUERIES));
        Fvecs.LongData truth = Fvecs.readLongs(versionDir.resolve(BundleLayout.GROUND_TRUTH));
        Fvecs.Data distances = Fvecs.read(versionDir.resolve(BundleLayout.GROUND_TRUTH_DISTANCES));
        assertEquals(depth, truth.k());
        assertEquals(depth, distances.d());
        assertEquals(queries.n(), distances.n());
        Fvecs.Data corpus = Fvecs.read(vectors); // row i has id i
        for (int q = 0; q < 5; q++) {
            float[] best = new float[corpus.n()];
            Integer[] order = new Integer[corpus.n()];
            for (int i = 0; i < corpus.n(); i++) {
                float sum = 0;
                for (int j = 0; j < DIM; j++) {
                    float diff = queries.vectors()[q * DIM + j] - corpus.vectors()[i * DIM + j];
                    sum += diff * diff;
                }
                best[i] = sum;
                order[i] = i;
            }
            java.util.Arrays.sort(order, (a, b) -> Float.compare(best[a], best[b]));
            for (int r = 0; r < depth; r++) {
                float stored = distances.vectors()[q * depth + r];
                assertEquals(best[order[r]], stored, 1e-3 * Math.max(1, best[order[r]]), "query " + q + " rank " + r);
                float tolerance = 1e-3f * Math.max(1, best[order[r]]);
                boolean apartBefore = r == 0 || best[order[r]] - best[order[r - 1]] > tolerance;
                boolean apartAfter = best[order[r + 1]] - best[order[r]] > tolerance;
                if (apartBefore && apartAfter) { // near ties may swap ids between float orders, never distances
                    assertEquals((long) order[r], truth.values()[q * depth + r], "query " + q + " rank " + r);
                }
            }
        }
    }

    @Test
    void theNprobeCurveIsRecordedAndTheRecommendedNprobeIsTheDefault() throws IOException {
        Manifest manifest = Manifest.fromJson(Files.readAllBytes(versionDir.resolve(Manifest.FILE_NAME)));
        java.util.List<Integer> swept = manifest.search().recallCurve().stream().map(p -> p.nprobe()).toList();
        // powers of two up to nlist/8, the part past 16 (a second round) only while recall still rises short of 0.9
        java.util.List<io.vecforge.validate.NprobeSweep.Point> points = manifest.search().recallCurve().stream()
                .map(p -> new io.vecforge.validate.NprobeSweep.Point(p.nprobe(), p.recall(), 0)).toList();
        boolean settledAt16 = io.vecforge.validate.NprobeSweep.settled(points.subList(0, 5), 0.9);
        assertEquals(settledAt16 ? java.util.List.of(1, 2, 4, 8, 16) : java.util.List.of(1, 2, 4, 8, 16, 32), swept,
                points.toString());
        assertEquals(0.9, manifest.search().targetRecall());
        double best = manifest.search().recallCurve().stream().mapToDouble(p -> p.recall()).max().orElseThrow();
        // the first reaching the target, else (PQ16 bounds recall here) the first where the curve levels off
        Manifest.NprobeRecall first = manifest.search().recallCurve().stream().filter(p -> p.recall() >= 0.9).findFirst()
                .orElseGet(() -> manifest.search().recallCurve().stream().filter(p -> p.recall() >= best - 0.005)
                        .findFirst().orElseThrow());
        assertEquals(first.nprobe(), manifest.search().nprobe());
        assertEquals(first.recall() >= 0.9, manifest.search().targetReached());
        Manifest.NprobeRecall at16 = manifest.search().recallCurve().get(swept.indexOf(16));
        assertEquals(manifest.validation().recall(), at16.recall(), 1e-12, "the sweep agrees with validation at nprobe 16");
        assertTrue(manifest.search().recallCurve().get(swept.size() - 1).recall() > manifest.search().recallCurve().get(0).recall());
        assertEquals(swept.size(), manifest.runtime().searchMicrosPerQuery().size());
        assertTrue(manifest.runtime().searchMicrosPerQuery().values().stream().allMatch(micros -> micros > 0));

        Cli search = Cli.run("search", versionDir.toString(), "--id", "7", "-k", "3", "--json");
        assertEquals(0, search.exitCode(), search.err());
        assertEquals(manifest.search().nprobe(), JSON.readTree(search.out()).get("nprobe").asInt(),
                "search defaults to the recommended nprobe");
    }

    @Test
    void everyVersionHasABuildReportWhoseImagesRenderAndTheCommandRegeneratesIt(@TempDir Path scratch)
            throws IOException {
        Manifest manifest = Manifest.fromJson(Files.readAllBytes(versionDir.resolve(Manifest.FILE_NAME)));
        java.util.List<String> reported = manifest.reports().stream().map(f -> f.file()).toList();
        assertEquals(java.util.List.of("report.html", "report/recall.png", "report/timeline.png", "report/shards.png",
                "report/lists.png", "report/rows.png"), reported);
        for (Manifest.BundleFile file : manifest.reports()) {
            assertEquals(file.crc32c(), crc32c(versionDir.resolve(file.file())), file.file());
        }
        for (String png : reported.subList(1, reported.size())) {
            assertDrawn(Files.readAllBytes(versionDir.resolve(png)), png);
        }
        String html = Files.readString(versionDir.resolve("report.html"));
        assertEquals(5, assertImagesRender(html), "every chart is embedded");
        assertTrue(html.contains("imbalance factor") && html.contains("recommended nprobe"), html);
        assertFalse(html.contains("http://") || html.contains("https://"), "self-contained: nothing to fetch");

        Cli report = Cli.run("report", versionDir.toString(), "-o", scratch.toString());
        assertEquals(0, report.exitCode(), report.err());
        assertEquals(5, assertImagesRender(Files.readString(scratch.resolve("report.html"))));
        for (String png : reported.subList(1, reported.size())) {
            assertDrawn(Files.readAllBytes(scratch.resolve(png)), png);
        }
    }

    /** What a person sees: the report opened in Chromium, every chart laid out, loaded and drawn. */
    @Test
    void theReportShowsEveryChartInARealBrowser(@TempDir Path scratch) throws Exception {
        String check = "<script>window.addEventListener('load', function () {"
                + " var out = Array.prototype.map.call(document.images, function (i) {"
                + " var r = i.getBoundingClientRect(); return {alt: i.alt, ok: i.complete && i.naturalWidth > 0,"
                + " x: r.left + window.scrollX, y: r.top + window.scrollY, w: r.width, h: r.height}; });"
                + " var pre = document.createElement('pre'); pre.id = 'vecforge-check';"
                + " pre.textContent = JSON.stringify(out); document.body.appendChild(pre); });</script>";
        Path page = scratch.resolve("report.html");
        Files.writeString(page, Files.readString(versionDir.resolve("report.html")).replace("</body>", check + "</body>"));
        String dom = Chromium.dumpDom(page);
        java.util.regex.Matcher found = java.util.regex.Pattern.compile("<pre id=\"vecforge-check\">(.*?)</pre>",
                java.util.regex.Pattern.DOTALL).matcher(dom);
        assertTrue(found.find(), "the check script ran: " + dom.substring(Math.max(0, dom.length() - 500)));
        JsonNode images = JSON.readTree(found.group(1).replace("&amp;", "&"));
        assertEquals(5, images.size(), images.toString());
        int bottom = 0;
        for (JsonNode image : images) {
            assertTrue(image.get("ok").asBoolean(), "not a broken image: " + image);
            assertTrue(image.get("w").asDouble() >= 360 && image.get("h").asDouble() >= 160, "laid out: " + image);
            bottom = Math.max(bottom, (int) Math.ceil(image.get("y").asDouble() + image.get("h").asDouble()));
        }
        Path shot = Path.of("target", "report-in-chromium.png"); // kept for people to look at
        Chromium.screenshot(page, 1280, bottom + 40, shot.toAbsolutePath());
        java.awt.image.BufferedImage screen = javax.imageio.ImageIO.read(shot.toFile());
        for (JsonNode image : images) {
            int x0 = (int) image.get("x").asDouble();
            int y0 = (int) image.get("y").asDouble();
            int w = (int) image.get("w").asDouble();
            int h = (int) image.get("h").asDouble();
            java.util.Set<Integer> colours = new java.util.HashSet<>();
            long inked = 0;
            for (int y = y0; y < Math.min(y0 + h, screen.getHeight()); y++) {
                for (int x = x0; x < Math.min(x0 + w, screen.getWidth()); x++) {
                    int rgb = screen.getRGB(x, y) & 0xffffff;
                    colours.add(rgb);
                    inked += rgb == 0xffffff ? 0 : 1;
                }
            }
            assertTrue(inked > 0.01 * w * h && colours.size() >= 3, image.get("alt").asText()
                    + " is blank on screen: " + inked + " inked pixels, " + colours.size() + " colours");
        }
    }

    /** Decodes every embedded image; returns how many there are. */
    private static int assertImagesRender(String html) throws IOException {
        java.util.regex.Matcher images = java.util.regex.Pattern.compile("src=\"data:image/png;base64,([^\"]+)\"")
                .matcher(html);
        int count = 0;
        while (images.find()) {
            assertDrawn(java.util.Base64.getDecoder().decode(images.group(1)), "image " + count);
            count++;
        }
        return count;
    }

    /** A PNG that decodes, with a size, and with something drawn on its white background. */
    private static void assertDrawn(byte[] png, String name) throws IOException {
        java.awt.image.BufferedImage image = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(png));
        assertNotNull(image, name + " is not a PNG");
        assertTrue(image.getWidth() > 100 && image.getHeight() > 100, name);
        long drawn = 0;
        for (int x = 0; x < image.getWidth(); x += 2) {
            for (int y = 0; y < image.getHeight(); y += 2) {
                drawn += (image.getRGB(x, y) & 0xffffff) != 0xffffff ? 1 : 0;
            }
        }
        assertTrue(drawn > 500, name + " is blank");
    }

    @Test
    void validateCommandPassesTheBundle() throws IOException {
        Cli human = Cli.run("validate", versionDir.getParent().toString());
        assertEquals(0, human.exitCode(), human.out() + human.err());
        assertTrue(human.out().contains("VALID"), human.out());

        Cli machine = Cli.run("validate", "--json", versionDir.toUri().toString());
        assertEquals(0, machine.exitCode(), machine.err());
        JsonNode report = JSON.readTree(machine.out());
        assertTrue(report.get("ok").asBoolean());
        assertEquals(ROWS, report.get("rows").asLong());
        assertTrue(report.get("recall").asDouble() >= 0.5);
    }

    @Test
    void recallMatchesPlainFaissPythonWithinTwoPoints() throws Exception {
        Manifest manifest = result.manifest();
        JsonNode reference = JSON.readTree(Python.run("faiss_reference.py",
                "--vectors", vectors.toString(), "--factory", FACTORY,
                "--train-rows", String.valueOf(manifest.training().sampleRows()),
                "--bundle", versionDir.toString(), "--nprobe", "16", "-k", "10"));
        double ours = manifest.validation().recall();
        double theirs = reference.get("recall").asDouble();
        System.out.printf("recall@10 at nprobe 16: vecforge %.4f, faiss-python %.4f%n", ours, theirs);
        assertTrue(ours >= 0.5, "recall " + ours);
        assertTrue(Math.abs(ours - theirs) <= 0.02, "vecforge " + ours + " vs faiss-python " + theirs);
    }

    @Test
    void stockFaissPythonReadsEveryShardAndFindsTheSameNeighbours() throws Exception {
        Path queries = versionDir.resolve(BundleLayout.QUERIES);
        Cli ours = Cli.run("search", versionDir.toString(), "--queries", queries.toString(), "-k", "10", "--nprobe",
                "16", "--json");
        assertEquals(0, ours.exitCode(), ours.err());
        JsonNode mine = JSON.readTree(ours.out()).get("results");
        for (String interpreter : Python.STOCK_READERS) { // Debian's Faiss 1.7.3 and the newest faiss-cpu
            JsonNode python = JSON.readTree(Python.runWith(interpreter, "vecforge_bundle.py", versionDir.toString(),
                    "--queries", queries.toString(), "-k", "10", "--nprobe", "16"));
            String reader = "faiss " + python.get("faiss").asText();
            assertEquals(ROWS, python.get("ntotal").asLong(), reader);
            JsonNode theirs = python.get("results");
            assertEquals(mine.size(), theirs.size(), reader);
            for (int q = 0; q < mine.size(); q++) {
                assertEquals(mine.get(q).get("ids"), theirs.get(q).get("ids"), reader + ", query " + q);
            }
        }
    }

    @Test
    void aFlippedByteInAShardIsAChecksumFailure(@TempDir Path scratch) throws IOException {
        Path copy = copyOfBundle(scratch);
        try (RandomAccessFile shard = new RandomAccessFile(copy.resolve("shard-00002.faiss").toFile(), "rw")) {
            shard.seek(shard.length() / 2);
            int b = shard.read();
            shard.seek(shard.length() / 2);
            shard.write(b ^ 0x01);
        }
        Cli cli = Cli.run("validate", copy.toString());
        assertEquals(14, cli.exitCode(), cli.out());
        assertTrue(cli.out().contains("shard-00002.faiss"), cli.out());
        // search and report check each shard's copy before Faiss reads it: the same failure, not a wrong answer
        Cli search = Cli.run("search", copy.toString(), "--vector", zeros(), "-k", "1");
        assertEquals(14, search.exitCode(), search.out() + search.err());
        assertTrue(search.err().contains("shard-00002.faiss") && search.err().contains("CRC32C"), search.err());
        Cli report = Cli.run("report", copy.toString(), "-o", scratch.resolve("report").toString());
        assertEquals(14, report.exitCode(), report.out() + report.err());
    }

    @Test
    void aManifestNamingAFileOutsideTheVersionIsRefusedBySearchBeforeAnythingIsTouched(@TempDir Path scratch)
            throws IOException {
        Path copy = copyOfBundle(scratch);
        Path outside = scratch.resolve("outside.faiss");
        Files.copy(copy.resolve("shard-00000.faiss"), outside);
        byte[] before = Files.readAllBytes(outside);
        Path manifestFile = copy.resolve(Manifest.FILE_NAME);
        ObjectMapper json = new ObjectMapper();
        ObjectNode manifest = (ObjectNode) json.readTree(manifestFile.toFile());
        ((ObjectNode) manifest.get("shards").get(0)).put("file", "../outside.faiss");
        byte[] edited = json.writeValueAsBytes(manifest);
        Files.write(manifestFile, edited);
        Files.write(copy.resolve(BundleLayout.SUCCESS), io.vecforge.bundle.Completion.marker(edited));

        Cli search = Cli.run("search", copy.toString(), "--vector", zeros(), "-k", "1");
        assertEquals(10, search.exitCode(), search.out() + search.err());
        assertTrue(search.err().contains("'../outside.faiss'"), search.err());
        assertArrayEquals(before, Files.readAllBytes(outside), "the file outside the version is untouched");
        Cli report = Cli.run("report", copy.toString(), "-o", scratch.resolve("report").toString());
        assertEquals(10, report.exitCode(), report.out() + report.err());
    }

    private static String zeros() {
        return String.join(",", java.util.Collections.nCopies(DIM, "0"));
    }

    @Test
    void aMissingShardIsAMissingFile(@TempDir Path scratch) throws IOException {
        Path copy = copyOfBundle(scratch);
        Files.delete(copy.resolve("shard-00001.faiss"));
        Cli cli = Cli.run("validate", copy.toString());
        assertEquals(12, cli.exitCode(), cli.out());
        assertTrue(cli.out().contains("shard-00001.faiss"), cli.out());
    }

    @Test
    void aManifestRowCountOffByOneIsACountMismatch(@TempDir Path scratch) throws IOException {
        Path copy = copyOfBundle(scratch);
        Path manifestFile = copy.resolve(Manifest.FILE_NAME);
        ObjectMapper json = new ObjectMapper();
        ObjectNode manifest = (ObjectNode) json.readTree(manifestFile.toFile());
        ObjectNode source = (ObjectNode) manifest.get("source");
        source.put("acceptedRows", source.get("acceptedRows").asLong() + 1);
        byte[] edited = Manifest.fromJson(json.writeValueAsBytes(manifest)).toJson();
        Files.write(manifestFile, edited);
        // a consistent but wrong manifest: its _SUCCESS vouches for it, so the count check is what fails
        Files.write(copy.resolve(BundleLayout.SUCCESS), io.vecforge.bundle.Completion.marker(edited));
        Cli cli = Cli.run("validate", "--json", copy.toString());
        assertEquals(15, cli.exitCode(), cli.out());
        assertEquals("ROW_COUNT_MISMATCH", JSON.readTree(cli.out()).get("problems").get(0).get("class").asText());
    }

    private Path copyOfBundle(Path scratch) throws IOException {
        Path copy = scratch.resolve("bundle");
        try (Stream<Path> files = Files.walk(versionDir)) {
            for (Path source : (Iterable<Path>) files::iterator) {
                Path target = copy.resolve(versionDir.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target);
                }
            }
        }
        return copy;
    }

    private static String crc32c(Path file) throws IOException {
        CRC32C crc = new CRC32C();
        crc.update(Files.readAllBytes(file));
        return String.format("%08x", crc.getValue());
    }
}
