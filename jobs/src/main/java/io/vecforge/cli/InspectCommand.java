package io.vecforge.cli;

import io.vecforge.bundle.Manifest;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "inspect", description = "Summarises a bundle version from its manifest (no files are read beyond it).")
final class InspectCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "BUNDLE", description = "A version directory, or an index directory (LATEST is followed).")
    String bundle;

    @Option(names = "--json", description = "Print the manifest itself.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        BundleLocation location = BundleLocation.resolve(bundle);
        if (location.pointer() != null) {
            location.requireComplete();
        }
        Manifest m = location.manifest();
        if (json) {
            out().println(new String(m.toJson(), StandardCharsets.UTF_8));
            return 0;
        }
        out().printf(Locale.ROOT, "bundle    %s%s%n", location.versionDir(),
                location.isComplete() ? "" : "  (NOT COMPLETE: no _SUCCESS vouching for this manifest)");
        out().printf(Locale.ROOT, "index     %s, version %s, created %s%n", m.indexName(), m.version(), m.createdAt());
        out().printf(Locale.ROOT, "built by  vecforge %s, faiss %s%n", m.vecforgeVersion(), m.faissVersion());
        out().printf(Locale.ROOT, "source    %s (%,d rows accepted)%n", m.source().path(), m.source().acceptedRows());
        out().printf(Locale.ROOT, "vectors   dimension %d, metric %s, factory \"%s\"%n", m.vectors().dimension(),
                m.vectors().metric(), m.vectors().factory());
        Manifest.Training training = m.training();
        out().printf(Locale.ROOT, "training  %,d sampled rows, seed %d%s%n", training.sampleRows(), training.seed(),
                training.trainer() == null ? "" : String.format(Locale.ROOT, "; on %s (%s)%s",
                        training.trainer().configName(), training.device(),
                        training.millis() == null ? "" : " in " + training.millis() / 1000.0 + " s"));
        if (m.training().note() != null) {
            out().printf(Locale.ROOT, "          %s%n", m.training().note());
        }
        out().printf(Locale.ROOT, "recall@%d %s at nprobe %d on %d queries (minimum %.4f)%n", m.validation().k(),
                m.validation().recall() == null ? "not measured" : String.format(Locale.ROOT, "%.4f",
                        m.validation().recall()),
                m.validation().nprobe(), m.validation().queries(), m.validation().minRecall());
        if (m.search() != null) {
            out().printf(Locale.ROOT, "search    nprobe %s recommended; recall by nprobe:%s%n", m.search().describe(),
                    m.search().recallCurve().stream().map(p -> String.format(Locale.ROOT, " %d:%.3f", p.nprobe(),
                            p.recall()))
                            .collect(java.util.stream.Collectors.joining()));
        }
        out().printf(Locale.ROOT, "shards    %d (%s)%n", m.shards().size(), m.sharding().partitioner());
        for (Manifest.Shard s : m.shards()) {
            out().printf(Locale.ROOT, "  %s  %,12d rows  %,14d bytes  crc32c %s  ids %s..%s%n", s.file(), s.rows(),
                    s.bytes(), s.crc32c(), s.minId(), s.maxId());
        }
        out().printf(Locale.ROOT, "timings   %s (ms)%n", m.timingsMillis());
        return 0;
    }

    private java.io.PrintWriter out() {
        return spec.commandLine().getOut();
    }
}
