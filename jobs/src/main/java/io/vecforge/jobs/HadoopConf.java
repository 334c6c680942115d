package io.vecforge.jobs;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import java.util.WeakHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * A Hadoop Configuration that travels to Spark tasks: whole (its thousand-odd properties written and parsed again
 * with every task and every closure Spark checks), or, from {@link #forTasks}, as a broadcast that each executor
 * reads once and copies for each task (an in-memory copy, not a parse; in local mode nothing is read at all).
 */
public final class HadoopConf implements Serializable {
    private static final long serialVersionUID = 2L;
    /** Per Spark context: the properties last broadcast and their broadcast, reused while they are the same. */
    private static final Map<SparkContext, Shared> SHARED = new WeakHashMap<>();

    private transient Configuration conf;
    private Broadcast<HadoopConf> broadcast;

    private record Shared(Map<String, String> properties, Broadcast<HadoopConf> broadcast) {}

    public HadoopConf(Configuration conf) {
        this.conf = conf;
    }

    private HadoopConf(Broadcast<HadoopConf> broadcast) {
        this.broadcast = broadcast;
    }

    /**
     * The context's Hadoop configuration for its tasks, as it is now: broadcast the first time, and again only once
     * its properties have changed (a build fills in S3 settings, a test sets a key), so a task never sees a stale one.
     */
    public static HadoopConf forTasks(SparkContext spark) {
        Configuration current = spark.hadoopConfiguration();
        Map<String, String> properties = properties(current);
        synchronized (SHARED) {
            Shared shared = SHARED.get(spark);
            if (shared == null || !shared.properties().equals(properties)) {
                // a copy: the driver's own configuration may change after this, the broadcast must not
                Broadcast<HadoopConf> broadcast = JavaSparkContext.fromSparkContext(spark)
                        .broadcast(new HadoopConf(new Configuration(current)));
                shared = new Shared(properties, broadcast);
                SHARED.put(spark, shared);
            }
            return new HadoopConf(shared.broadcast());
        }
    }

    /** The configuration: this task's own copy where it came as a broadcast, which it may change. */
    public Configuration get() {
        if (conf == null) {
            conf = new Configuration(broadcast.value().get());
        }
        return conf;
    }

    private static Map<String, String> properties(Configuration conf) {
        Map<String, String> properties = new HashMap<>();
        for (Map.Entry<String, String> entry : conf) {
            properties.put(entry.getKey(), entry.getValue());
        }
        return properties;
    }

    private void writeObject(ObjectOutputStream out) throws IOException {
        out.defaultWriteObject();
        if (broadcast == null) {
            conf.write(out);
        }
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        if (broadcast == null) {
            conf = new Configuration(false);
            conf.readFields(in);
        }
    }
}
