package io.vecforge.report;

import io.vecforge.bundle.BundleStorage;
import io.vecforge.bundle.FileDigest;
import io.vecforge.bundle.Manifest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.hadoop.fs.Path;

/**
 * A version's build report: report.html (self-contained: its images are embedded, nothing is
 * fetched) and the same images as PNG files beside it: recall by nprobe, stage timeline, shard
 * sizes, inverted-list sizes (with the imbalance factor and the largest lists) and row accounting.
 */
public final class BuildReport {
    public static final String HTML = "report.html";
    public static final String DIR = "report";

    private BuildReport() {}

    /**
     * Renders the report. Returns bundle-relative file name → bytes, report.html first.
     *
     * @param timings stage durations (ms) to show
     * @param listSizes vectors per inverted list over all shards, or null if unknown
     */
    /** Where the stages' time went: the training task's phases, the shard tasks' phases, each Spark stage. */
    private static List<String> timeBreakdown(Manifest.Runtime runtime) {
        List<String> rows = new ArrayList<>();
        if (!runtime.trainPhaseMillis().isEmpty()) {
            rows.add(row("training task, by phase (ms)", runtime.trainPhaseMillis().toString()));
        }
        if (!runtime.shardPhaseMillis().isEmpty()) {
            rows.add(row("shard tasks, by phase (task-ms, all tasks)", runtime.shardPhaseMillis().toString()));
        }
        for (Manifest.SparkStage stage : runtime.sparkStages()) {
            rows.add(row("Spark: " + stage.buildStage() + " / " + stage.name(), String.format(Locale.ROOT,
                    "%,d ms wall; %d tasks, %,d task-ms (GC %,d); shuffle write %,d B, read %,d B; spilled %,d B"
                            + " (disk %,d B)", stage.millis(), stage.tasks(), stage.taskMillis(), stage.gcMillis(),
                    stage.shuffleWriteBytes(), stage.shuffleReadBytes(), stage.memorySpilledBytes(),
                    stage.diskSpilledBytes())));
        }
        return rows;
    }

    public static Map<String, byte[]> render(Manifest m, Map<String, Long> timings, long[] listSizes) {
        Map<String, byte[]> images = new LinkedHashMap<>();
        StringBuilder body = new StringBuilder();
        List<String> summary = new ArrayList<>(List.of(
                row("index, version", m.indexName() + ", " + m.version()),
                row("factory", m.vectors().factory() + " (" + m.vectors().metric() + ", dimension " + m.vectors().dimension()
                        + ")")));
        if (m.vectors().auto() != null) {
            summary.add(row("index.factory=auto", autoFacts(m.vectors().factory(), m.vectors().auto())));
        }
        summary.addAll(List.of(
                row("rows indexed", String.format(Locale.ROOT, "%,d in %d shards", m.accounting().indexedRows(),
                        m.shards().size())),
                row("recall@" + m.validation().k(), m.validation().recall() == null ? "not measured"
                        : String.format(Locale.ROOT, "%.4f at nprobe %d (minimum %.2f)", m.validation().recall(),
                        m.validation().nprobe(), m.validation().minRecall())),
                row("recommended nprobe", m.search() == null ? "not recorded" : m.search().describe()),
                row("built by", "vecforge " + m.vecforgeVersion() + ", faiss " + m.faissVersion())));
        section(body, "Summary", table(summary));
        if (m.search() != null && !m.search().recallCurve().isEmpty()) {
            images.put("recall.png", Chart.line("Recall@" + m.validation().k() + " of the hold-out queries by nprobe",
                    "nprobe (inverted lists searched per query)",
                    "recall@" + m.validation().k() + " (fraction of true neighbours found)",
                    m.search().recallCurve().stream()
                            .map(p -> new Chart.Point(String.valueOf(p.nprobe()), p.recall())).toList(),
                    m.search().targetRecall()));
            section(body, "Recall by nprobe", image(images, "recall.png"));
        }
        List<Chart.Point> timeline = new ArrayList<>();
        timings.forEach((stage, ms) -> timeline.add(new Chart.Point(stage, ms / 1000.0)));
        m.runtime().shardMillis().forEach((shard, ms) -> timeline.add(new Chart.Point("shard " + shard, ms / 1000.0)));
        images.put("timeline.png", Chart.bars("Stage and shard task durations", "stage, then shard task",
                "duration (seconds)", timeline));
        section(body, "Timeline", image(images, "timeline.png") + table(timeBreakdown(m.runtime())));
        images.put("shards.png", Chart.bars("Rows per shard", "shard", "vectors (rows)", m.shards().stream()
                .map(s -> new Chart.Point(String.valueOf(s.shard()), s.rows())).toList()));
        section(body, "Shards", image(images, "shards.png") + table(m.shards().stream().map(s -> row(s.file(),
                String.format(Locale.ROOT, "%,d rows, %,d bytes, crc32c %s", s.rows(), s.bytes(),
                        s.crc32c()))).toList()));
        if (listSizes != null && listSizes.length > 0) {
            images.put("lists.png", Chart.bars("Inverted lists by size (vectors per list)", "vectors per list (bucket)",
                    "inverted lists (count)",
                    histogram(listSizes)));
            section(body, "Inverted lists", image(images, "lists.png") + table(listFacts(listSizes)));
        }
        List<Chart.Point> rows = new ArrayList<>();
        rows.add(new Chart.Point("indexed", m.accounting().indexedRows()));
        m.accounting().rejected().forEach((reason, count) -> rows.add(new Chart.Point(reason, count)));
        rows.add(new Chart.Point("duplicates", m.accounting().duplicatesDropped()));
        images.put("rows.png", Chart.bars("Row accounting", "outcome", "input rows (count)", rows));
        section(body, "Rows", image(images, "rows.png") + "<p>" + escape(m.accounting().summary()) + "</p>");

        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put(HTML, page(m, body).getBytes(StandardCharsets.UTF_8));
        images.forEach((name, png) -> files.put(DIR + "/" + name, png));
        return files;
    }

    /** The budget, the kept factory's estimated size, and the codec trial's measures when there was one. */
    static String autoFacts(String kept, Manifest.AutoFactory auto) {
        StringBuilder facts = new StringBuilder(String.format(Locale.ROOT, "%,d bytes of serving memory; shards"
                + " estimated at %,d bytes", auto.maxMemoryBytes(), auto.estimatedBytes()));
        if (auto.trial() != null && !auto.trial().isEmpty()) {
            facts.append("; codec trial, recall@10 on the training sample: ");
            facts.append(String.join(", ", auto.trial().stream().map(t -> String.format(Locale.ROOT, "%s %.4f%s",
                    t.factory(), t.sampleRecall(), t.factory().equals(kept) ? " (kept)" : "")).toList()));
        }
        return facts.toString();
    }

    /** Writes the report files into a version (each atomically) and returns their manifest entries. */
    public static List<Manifest.BundleFile> write(BundleStorage storage, Path versionDir, Map<String, byte[]> files)
            throws IOException {
        List<Manifest.BundleFile> entries = new ArrayList<>();
        for (Map.Entry<String, byte[]> file : files.entrySet()) {
            FileDigest digest = storage.write(new Path(versionDir, file.getKey()), file.getValue());
            entries.add(new Manifest.BundleFile(file.getKey().equals(HTML) ? Manifest.FileRole.REPORT : Manifest.FileRole.REPORT_IMAGE, file.getKey(),
                    digest));
        }
        return entries;
    }

    /** Faiss's imbalance factor, nlist·Σsize²/(Σsize)² (1 is perfectly even), empty lists and the largest. */
    static double imbalance(long[] sizes) {
        double sum = 0;
        double squares = 0;
        for (long size : sizes) {
            sum += size;
            squares += (double) size * size;
        }
        return sum == 0 ? 0 : sizes.length * squares / (sum * sum);
    }

    private static List<String> listFacts(long[] sizes) {
        long empty = IntStream.range(0, sizes.length).filter(i -> sizes[i] == 0).count();
        String largest = IntStream.range(0, sizes.length).boxed()
                .sorted(Comparator.comparingLong((Integer i) -> sizes[i]).reversed()).limit(5)
                .map(i -> String.format(Locale.ROOT, "list %d: %,d", i, sizes[i]))
                .reduce((a, b) -> a + "; " + b).orElse("");
        return List.of(row("lists", String.valueOf(sizes.length)),
                row("imbalance factor", String.format(Locale.ROOT, "%.3f", imbalance(sizes))),
                row("empty lists", String.valueOf(empty)), row("largest lists", largest));
    }

    /** At most 30 equal-width buckets of list size. */
    private static List<Chart.Point> histogram(long[] sizes) {
        long max = 0;
        for (long size : sizes) {
            max = Math.max(max, size);
        }
        int buckets = (int) Math.min(30, max + 1);
        long width = Math.max(1, (max + buckets) / buckets);
        long[] counts = new long[buckets];
        for (long size : sizes) {
            counts[(int) Math.min(buckets - 1, size / width)]++;
        }
        List<Chart.Point> points = new ArrayList<>();
        for (int b = 0; b < buckets; b++) {
            points.add(new Chart.Point(String.valueOf(b * width), counts[b]));
        }
        return points;
    }

    private static String page(Manifest m, StringBuilder body) {
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>vecforge build report: "
                + escape(m.indexName() + " " + m.version()) + "</title><style>body{font-family:sans-serif;margin:2em;"
                + "max-width:760px}td{padding:2px 12px 2px 0;vertical-align:top}th{text-align:left}</style></head>"
                + "<body><h1>" + escape(m.indexName()) + " " + escape(m.version()) + "</h1>\n" + body + "</body></html>\n";
    }

    private static void section(StringBuilder body, String title, String content) {
        body.append("<h2>").append(escape(title)).append("</h2>\n").append(content).append('\n');
    }

    private static String image(Map<String, byte[]> images, String name) {
        return "<p><img alt=\"" + name + "\" src=\"data:image/png;base64,"
                + Base64.getEncoder().encodeToString(images.get(name)) + "\"></p>";
    }

    private static String row(String key, String value) {
        return "<tr><th>" + escape(key) + "</th><td>" + escape(value) + "</td></tr>";
    }

    private static String table(List<String> rows) {
        return "<table>" + String.join("", rows) + "</table>";
    }

    private static String escape(String text) {
        return text == null ? "" : text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                .replace("\"", "&quot;");
    }
}
