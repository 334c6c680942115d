package io.vecforge.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vecforge.UsageException;
import io.vecforge.bundle.Fvecs;
import io.vecforge.bundle.Manifest;
import io.vecforge.bundle.s3.S3Settings;
import io.vecforge.data.EmbeddingParquetReader;
import io.vecforge.faiss.FaissIndex;
import io.vecforge.faiss.Metric;
import io.vecforge.faiss.Neighbours;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "search",
        description = "k-NN search over every shard of a bundle, merged: a smoke test for a built index.")
final class SearchCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "BUNDLE", description = "A version directory, or an index directory (LATEST is followed).")
    String bundle;

    @ArgGroup(multiplicity = "1")
    Query query;

    static final class Query {
        @Option(names = "--vector", description = "Query vector, comma-separated.")
        String vector;

        @Option(names = "--id", paramLabel = "ID", description = {"Use the vector stored under this id in the"
                + " bundle's source input: the id as the input holds it (a number, or a string id such as"
                + " sku-000005), or column=value,… for composite ids, in input.id-column's order."})
        String id;

        @Option(names = "--queries", description = "An .fvecs file of query vectors.")
        Path queries;
    }

    @Option(names = "-k", defaultValue = "10", description = "Neighbours per query (default: ${DEFAULT-VALUE}).")
    int k;

    @Option(names = "--nprobe", description = "Inverted lists to visit (default: the bundle's recommended"
            + " search.nprobe, else its validation nprobe).")
    Integer nprobe;

    @Option(names = "--json", description = "Print results as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (k <= 0) {
            throw new UsageException("-k must be at least 1, got " + k);
        }
        if (nprobe != null && nprobe <= 0) {
            throw new UsageException("--nprobe must be at least 1, got " + nprobe);
        }
        BundleLocation location = BundleLocation.resolve(bundle).requireComplete();
        Manifest manifest = location.manifest();
        int dimension = manifest.vectors().dimension();
        float[] queries = queryVectors(manifest, dimension);
        int n = queries.length / dimension;
        int probes = nprobe != null ? nprobe : manifest.defaultNprobe();
        Metric metric = manifest.vectors().metric();
        metric.prepare(queries, dimension);
        Neighbours merged = new Neighbours(n, k, metric.smallerIsCloser());
        FaissIndex.setThreads(Runtime.getRuntime().availableProcessors(), 1);
        Path scratch = Files.createTempDirectory("vecforge-search-");
        try {
            for (Manifest.Shard shard : manifest.shards()) {
                Path local = scratch.resolve("shard.faiss");
                try {
                    location.download(shard.file(), shard.bytes(), shard.crc32c(), local);
                    // the lists stay in the copy: a search reads the ones it probes, not the whole shard
                    try (FaissIndex index = FaissIndex.readListsOnDisk(local)) {
                        index.setNprobe(probes);
                        merged.offerAll(index.search(queries, n, k));
                    }
                } finally {
                    Files.deleteIfExists(local);
                }
            }
        } finally {
            Files.deleteIfExists(scratch);
        }
        Map<Long, String> external = manifest.ids().external()
                ? IdMap.lookup(location, manifest, java.util.Arrays.stream(merged.ids()).boxed()
                        .collect(java.util.stream.Collectors.toSet()))
                : Map.of();
        print(merged, probes, external);
        return 0;
    }

    private float[] queryVectors(Manifest manifest, int dimension) throws Exception {
        float[] vectors;
        if (query.queries != null) {
            vectors = Fvecs.read(query.queries).vectors();
        } else if (query.vector != null) {
            String[] parts = query.vector.split(",");
            vectors = new float[parts.length];
            for (int i = 0; i < parts.length; i++) {
                vectors[i] = Float.parseFloat(parts[i].trim());
            }
        } else {
            vectors = vectorOfId(manifest, query.id);
        }
        if (vectors.length == 0 || vectors.length % dimension != 0) {
            throw new UsageException("query has " + vectors.length + " components; the bundle's dimension is "
                    + dimension);
        }
        for (int i = 0; i < vectors.length; i++) {
            if (!Float.isFinite(vectors[i])) {
                throw new UsageException("query " + i / dimension + " component " + i % dimension + " is "
                        + vectors[i] + ": queries must be finite");
            }
        }
        return vectors;
    }

    private static float[] vectorOfId(Manifest manifest, String id) throws Exception {
        if (manifest.ids().external()) {
            return vectorOfExternalId(manifest, id);
        }
        long wanted;
        try {
            wanted = Long.parseLong(id.trim());
        } catch (NumberFormatException e) {
            throw new UsageException("--id '" + id + "': this bundle's ids are numbers (column "
                    + manifest.source().idColumn() + ")");
        }
        try (EmbeddingParquetReader reader = EmbeddingParquetReader.open(S3Settings.fromEnvironment(),
                new org.apache.hadoop.fs.Path(manifest.source().path()), manifest.source().idColumn(),
                        manifest.source().vectorColumn())) {
            while (reader.next()) {
                if (reader.id() == wanted) {
                    return reader.vector().clone();
                }
            }
        }
        throw new UsageException("id " + id + " is not in the source " + manifest.source().path());
    }

    /** The source row of an external id (a string, or column=value,… for several id columns), read with Spark. */
    private static float[] vectorOfExternalId(Manifest manifest, String id) {
        List<String> columns = manifest.ids().columns();
        Map<String, String> values = new LinkedHashMap<>();
        if (columns.size() == 1) {
            values.put(columns.get(0), id);
        } else {
            for (String part : id.split(",")) {
                int eq = part.indexOf('=');
                if (eq <= 0 || !columns.contains(part.substring(0, eq).trim())) {
                    throw new UsageException("--id '" + id + "': this bundle's ids are composite " + columns
                            + "; give them as " + String.join(",", columns.stream().map(c -> c + "=VALUE").toList()));
                }
                values.put(part.substring(0, eq).trim(), part.substring(eq + 1));
            }
            if (!values.keySet().equals(new java.util.HashSet<>(columns))) {
                throw new UsageException("--id '" + id + "' must name every id column: " + columns);
            }
        }
        boolean shared = org.apache.spark.sql.SparkSession.getDefaultSession().isDefined();
        org.apache.spark.sql.SparkSession spark = EmbeddedSpark.session("vecforge search --id", "local[1]");
        try {
            org.apache.spark.sql.Column match = org.apache.spark.sql.functions.lit(true);
            for (Map.Entry<String, String> value : values.entrySet()) {
                match = match.and(org.apache.spark.sql.functions.col("`" + value.getKey() + "`").cast("string")
                        .equalTo(value.getValue()));
            }
            List<org.apache.spark.sql.Row> found = spark.read().parquet(manifest.source().path()).where(match)
                    .select(org.apache.spark.sql.functions.col("`" + manifest.source().vectorColumn() + "`")
                            .cast("array<float>")).limit(1).collectAsList();
            if (found.isEmpty() || found.get(0).isNullAt(0)) {
                throw new UsageException("id " + id + " is not in the source " + manifest.source().path());
            }
            List<Float> vector = found.get(0).getList(0);
            float[] out = new float[vector.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = vector.get(i);
            }
            return out;
        } finally {
            if (!shared) {
                spark.close(); // a session the caller (a test, spark-submit) holds is not this command's to stop
            }
        }
    }

    private void print(Neighbours merged, int probes, Map<Long, String> external) throws Exception {
        if (json) {
            List<Map<String, Object>> results = new ArrayList<>();
            for (int q = 0; q < merged.queries(); q++) {
                List<Long> ids = new ArrayList<>();
                List<Float> distances = new ArrayList<>();
                for (int r = 0; r < merged.k(); r++) {
                    ids.add(merged.id(q, r));
                    distances.add(merged.distance(q, r));
                }
                Map<String, Object> result = new LinkedHashMap<>();
                result.put("ids", ids);
                if (!external.isEmpty()) {
                    result.put("externalIds", ids.stream().map(external::get).toList());
                }
                result.put("distances", distances);
                results.add(result);
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("k", merged.k());
            out.put("nprobe", probes);
            out.put("results", results);
            out().println(new ObjectMapper().writeValueAsString(out));
            return;
        }
        for (int q = 0; q < merged.queries(); q++) {
            StringBuilder line = new StringBuilder("query " + q + ":");
            for (int r = 0; r < merged.k(); r++) {
                long id = merged.id(q, r);
                String shown = external.isEmpty() ? String.valueOf(id) : external.get(id);
                line.append(String.format(Locale.ROOT, "  %s (%.4f)", shown, merged.distance(q, r)));
            }
            out().println(line);
        }
    }

    private java.io.PrintWriter out() {
        return spec.commandLine().getOut();
    }
}
