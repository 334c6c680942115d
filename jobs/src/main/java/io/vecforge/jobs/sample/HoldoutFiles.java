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

    /** The digests of the ground truth's two files: the neighbours' ids, and their distances. */
    public record GroundTruth(FileDigest ids, FileDigest distances) {}

    /** Writes the exact neighbours: ids (-1 where a query's exact list ends) and distances, k per query. */
    public static GroundTruth uploadGroundTruth(BundleStorage storage, Path versionDir, Neighbours exact)
            throws IOException {
        java.nio.file.Path ids = Files.createTempFile("vecforge-groundtruth-", ".i64vecs");
        java.nio.file.Path distances = Files.createTempFile("vecforge-groundtruth-", ".fvecs");
        try {
            Fvecs.writeLongs(ids, exact.ids(), exact.queries(), exact.k());
            Fvecs.write(distances, exact.distances(), exact.queries(), exact.k());
            return new GroundTruth(storage.upload(ids, new Path(versionDir, BundleLayout.GROUND_TRUTH)),
                    storage.upload(distances, new Path(versionDir, BundleLayout.GROUND_TRUTH_DISTANCES)));
        } finally {
            Files.deleteIfExists(ids);
            Files.deleteIfExists(distances);
        }
    }
}
