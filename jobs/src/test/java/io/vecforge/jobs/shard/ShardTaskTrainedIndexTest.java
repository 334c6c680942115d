package io.vecforge.jobs.shard;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecforge.bundle.DuplicatePolicy;
import io.vecforge.bundle.FileDigest;
import io.vecforge.faiss.FaissIndex;
import io.vecforge.faiss.Metric;
import io.vecforge.jobs.HadoopConf;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A shard task checks its copy of the trained index against what the training task wrote (the digest the build
 * passes it) before Faiss reads it: a copy that differs, on the way or at rest, would give every code of the
 * shard wrong centroids while the stored file still passed validation.
 */
class ShardTaskTrainedIndexTest {
    private static final int DIM = 8;

    @TempDir
    Path dir;

    @Test
    void aTrainedIndexThatIsNotWhatTheTrainingWroteIsRefusedBeforeItIsRead() throws Exception {
        Path trained = dir.resolve("trained.faiss");
        try (FaissIndex index = FaissIndex.create(DIM, "IVF4,Flat", Metric.L2)) {
            float[] vectors = new float[400 * DIM];
            Random random = new Random(5);
            for (int i = 0; i < vectors.length; i++) {
                vectors[i] = (float) random.nextGaussian();
            }
            index.train(vectors, 400);
            index.write(trained);
        }
        FileDigest written = FileDigest.of(trained);
        FileDigest other = new FileDigest(written.bytes(), written.crc32c() ^ 1);

        IOException refused = assertThrows(IOException.class, () -> task(trained, other).run(0,
                Collections.emptyIterator(), new float[0]));
        assertTrue(refused.getMessage().contains("is not what the training task wrote (CRC32C "),
                refused.getMessage());
        IOException shorter = assertThrows(IOException.class, () -> task(trained,
                new FileDigest(written.bytes() + 4, written.crc32c())).run(0, Collections.emptyIterator(),
                new float[0]));
        assertTrue(shorter.getMessage().contains("size " + written.bytes() + " bytes"), shorter.getMessage());
        assertTrue(Files.exists(trained), "the staged file is left as it is");
    }

    private ShardTask task(Path trained, FileDigest digest) {
        return new ShardTask(new HadoopConf(new Configuration()), new ShardTask.Spec(dir.toUri().toString(),
                trained.toUri().toString(), digest, 1, 1024, 1, Metric.L2, 10, DuplicatePolicy.FAIL, 0, "auto"));
    }
}
