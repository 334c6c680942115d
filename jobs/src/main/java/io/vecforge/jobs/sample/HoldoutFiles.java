package io.vecforge.jobs.sample;

import io.vecforge.bundle.BundleLayout;
import io.vecforge.bundle.BundleStorage;
import io.vecforge.bundle.FileDigest;
import io.vecforge.bundle.Fvecs;
import io.vecforge.faiss.Neighbours;
import java.io.IOException;
import java.nio.file.Files;
import org.apache.hadoop.fs.Path;

/** Writes the version's hold-out files: the queries (.fvecs) and their exact neighbours (.i64vecs). */
public final class HoldoutFiles {
    private HoldoutFiles() {}

    public static FileDigest uploadQueries(BundleStorage storage, Path versionDir, float[] vectors, int dimension)
            throws IOException {
        java.nio.file.Path local = Files.createTempFile("vecforge-queries-", ".fvecs");
        try {
            Fvecs.write(local, vectors, vectors.length / dimension, dimension);
            return storage.upload(local, new Path(versionDir, BundleLayout.QUERIES));
        } finally {
            Files.deleteIfExists(local);
        }
    }

    public static FileDigest uploadGroundTruth(BundleStorage storage, Path versionDir, Neighbours exact) throws IOException {
        java.nio.file.Path local = Files.createTempFile("vecforge-groundtruth-", ".i64vecs");
        try {
            Fvecs.writeLongs(local, exact.ids(), exact.queries(), exact.k());
            return storage.upload(local, new Path(versionDir, BundleLayout.GROUND_TRUTH));
        } finally {
            Files.deleteIfExists(local);
        }
    }
}
