package io.vecforge.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

class HadoopConfTest extends SparkTestSupport {
    private static final String KEY = "vecforge.test.hadoop-conf";

    @Test
    void tasksSeeTheConfigurationAsItWasWhenTheirStageWasMade() throws Exception {
        Configuration driver = sc().hadoopConfiguration();
        driver.set(KEY, "first");
        HadoopConf first = HadoopConf.forTasks(sc());
        driver.set(KEY, "second");
        HadoopConf second = HadoopConf.forTasks(sc());
        driver.unset(KEY);

        List<String> seen = jsc().parallelize(List.of(1, 2), 2)
                .map(i -> first.get().get(KEY) + "/" + second.get().get(KEY)).collect();
        assertEquals(List.of("first/second", "first/second"), seen);
        assertEquals("first", roundTrip(first).get().get(KEY), "a broadcast one, through Java serialization");
    }

    @Test
    void anUnchangedConfigurationIsBroadcastOnceAndItsSmallerForIt() throws Exception {
        HadoopConf one = HadoopConf.forTasks(sc());
        HadoopConf two = HadoopConf.forTasks(sc());
        byte[] shared = serialize(one);
        assertEquals(serialize(two).length, shared.length);
        byte[] whole = serialize(new HadoopConf(sc().hadoopConfiguration()));
        assertTrue(shared.length * 20 < whole.length, shared.length + " bytes against " + whole.length);
    }

    @Test
    void eachTaskChangesItsOwnCopy() throws Exception {
        HadoopConf conf = HadoopConf.forTasks(sc());
        HadoopConf task1 = roundTrip(conf);
        HadoopConf task2 = roundTrip(conf);
        task1.get().set(KEY, "changed by one task");
        assertNull(task2.get().get(KEY));
        assertNull(HadoopConf.forTasks(sc()).get().get(KEY));
        assertNull(sc().hadoopConfiguration().get(KEY));
    }

    @Test
    void aWholeOneStillTravelsWhole() throws Exception {
        Configuration plain = new Configuration(false);
        plain.set(KEY, "whole");
        assertEquals("whole", roundTrip(new HadoopConf(plain)).get().get(KEY));
    }

    private static byte[] serialize(HadoopConf conf) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(conf);
        }
        return bytes.toByteArray();
    }

    private static HadoopConf roundTrip(HadoopConf conf) throws Exception {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(serialize(conf)))) {
            return (HadoopConf) in.readObject();
        }
    }
}
