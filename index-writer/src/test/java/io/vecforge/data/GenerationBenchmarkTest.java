package io.vecforge.data;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GenerationBenchmarkTest {
    @TempDir
    Path temp;

    @Test
    void bench() throws Exception {
        var conf = ParquetTestFiles.localConf();
        SyntheticEmbeddings e = new SyntheticEmbeddings(1, 128);
        float[] buf = new float[128];
        for (int rep = 0; rep < 3; rep++) {
            long t = System.nanoTime();
            double s = 0;
            for (long r = 0; r < 1_000_000; r++) { e.fill(r, buf, 0); s += buf[5]; }
            System.out.printf("fill only 1M x128: %d ms (%f)%n", (System.nanoTime() - t) / 1_000_000, s);
        }
        for (int rep = 0; rep < 3; rep++) {
            long t = System.nanoTime();
            GenerationResult r = EmbeddingParquetWriter.generate(conf,
                    new org.apache.hadoop.fs.Path(temp.resolve("run" + rep).toUri()), 1_000_000, 128, 4, 1, "id", "vector",
                    rep == 2 ? temp.resolve("base.fvecs") : null);
            System.out.printf("generate rep %d: %d ms, %s%n", rep, (System.nanoTime() - t) / 1_000_000, r);
        }
        long t = System.nanoTime();
        long n = 0;
        double s = 0;
        try (EmbeddingParquetReader reader = EmbeddingParquetReader.open(conf,
                new org.apache.hadoop.fs.Path(temp.resolve("run0").toUri()), "id", "vector")) {
            while (reader.next()) { n++; s += reader.vector()[3]; }
        }
        System.out.printf("read: %d rows in %d ms (%f)%n", n, (System.nanoTime() - t) / 1_000_000, s);
        t = System.nanoTime();
        Fvecs.Data d = Fvecs.read(temp.resolve("base.fvecs"));
        System.out.printf("fvecs read: %d rows in %d ms%n", d.n(), (System.nanoTime() - t) / 1_000_000);
    }
}
