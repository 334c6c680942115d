package io.vecforge.jobs.sample;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The training sample's ids in sample order (by selection key under the seed, then id), written by the driver
 * for the training task, which reads the sample's vectors from the input scan's candidates and places each at
 * its rank ({@link OrderedCandidates}). Binary: magic, seed, count, then the ids.
 */
public record SampleOrder(long seed, long[] ids) {
    private static final int MAGIC = 0x56465330; // "VFS0"

    public void write(Configuration conf, Path path) throws IOException {
        FileSystem fs = path.getFileSystem(conf);
        try (DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(fs.create(path, false)))) {
            out.writeInt(MAGIC);
            out.writeLong(seed);
            out.writeInt(ids.length);
            for (long id : ids) {
                out.writeLong(id);
            }
        }
    }

    public static SampleOrder read(Configuration conf, Path path) throws IOException {
        FileSystem fs = path.getFileSystem(conf);
        long length = fs.getFileStatus(path).getLen();
        try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(fs.open(path)))) {
            if (length < 16 || in.readInt() != MAGIC) {
                throw new IOException(path + " is not a training sample order");
            }
            long seed = in.readLong();
            int count = in.readInt();
            if (count < 0 || length != 16 + 8L * count) {
                throw new IOException(path + ": " + length + " bytes cannot hold " + count + " sample ids");
            }
            long[] ids = new long[count];
            for (int i = 0; i < count; i++) {
                ids[i] = in.readLong();
            }
            return new SampleOrder(seed, ids);
        }
    }
}
