package io.vecforge.cluster;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;

/** A real HDFS (one NameNode, one DataNode) on loopback, inside this JVM, with its data under dir. */
final class LocalHdfs implements AutoCloseable {
    private final MiniDFSCluster cluster;

    LocalHdfs(Path dir) throws IOException {
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, dir.toAbsolutePath().toString());
        conf.set("dfs.namenode.rpc-bind-host", "127.0.0.1");
        conf.setBoolean("dfs.permissions.enabled", false);
        cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        cluster.waitActive();
    }

    /** hdfs://127.0.0.1:port */
    URI uri() {
        return URI.create("hdfs://127.0.0.1:" + cluster.getNameNodePort());
    }

    String path(String absolute) {
        return uri() + absolute;
    }

    Configuration conf() {
        Configuration conf = new Configuration(cluster.getConfiguration(0));
        conf.set("fs.defaultFS", uri().toString());
        return conf;
    }

    FileSystem fileSystem() throws IOException {
        return FileSystem.get(uri(), conf());
    }

    @Override
    public void close() {
        cluster.shutdown(true);
    }
}
