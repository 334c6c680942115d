package io.vecforge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The embedded session: its defaults, and the build's session started ahead of the command. */
class EmbeddedSparkTest {
    @BeforeEach
    @AfterEach
    void noSession() {
        EmbeddedSpark.stopUnclaimed();
        if (SparkSession.getDefaultSession().isDefined()) {
            SparkSession.getDefaultSession().get().stop();
        }
        SparkSession.clearActiveSession();
        SparkSession.clearDefaultSession();
    }

    @Test
    void aLocalBuildGetsTheSessionStartedAheadWithTheEmbeddedDefaults() {
        assertTrue(EmbeddedSpark.prestartFor(List.of("build", "--config", "x.properties", "--index", "a")));
        SparkSession spark = EmbeddedSpark.session("vecforge build a", null);
        SparkConf conf = spark.sparkContext().getConf();
        assertEquals(EmbeddedSpark.PRESTARTED_APP, spark.sparkContext().appName());
        assertEquals("local[*]", spark.sparkContext().master());
        assertEquals("false", conf.get("spark.shuffle.compress"));
        assertEquals("false", conf.get("spark.shuffle.checksum.enabled"));
        assertEquals("false", conf.get("spark.ui.enabled"));
        assertSame(spark, SparkSession.active());
    }

    @Test
    void nothingStartsAheadWhereTheSessionCouldBeAnotherOrNoCommandRuns() {
        assertFalse(EmbeddedSpark.prestartFor(List.of("validate", "--index", "build")));
        assertFalse(EmbeddedSpark.prestartFor(List.of("build", "--master", "local[1]")));
        assertFalse(EmbeddedSpark.prestartFor(List.of("build", "--master=spark://127.0.0.1:7077")));
        assertFalse(EmbeddedSpark.prestartFor(List.of("build", "@more-options.txt")));
        assertFalse(EmbeddedSpark.prestartFor(List.of("build", "--help")));
        assertFalse(EmbeddedSpark.prestartFor(List.of("--version")));
        assertTrue(SparkSession.getDefaultSession().isEmpty());
    }

    @Test
    void aMasterAskedForReplacesTheSessionStartedAhead() {
        assertTrue(EmbeddedSpark.prestartFor(List.of("build")));
        SparkSession spark = EmbeddedSpark.session("vecforge build b", "local[1]");
        assertEquals("local[1]", spark.sparkContext().master());
        assertEquals("vecforge build b", spark.sparkContext().appName());
    }

    @Test
    void aSessionNoCommandClaimedIsStoppedBeforeTheJvmExits() {
        assertTrue(EmbeddedSpark.prestartFor(List.of("build", "--config", "missing.properties")));
        EmbeddedSpark.stopUnclaimed();
        assertTrue(SparkSession.getDefaultSession().isEmpty()
                || SparkSession.getDefaultSession().get().sparkContext().isStopped());
        SparkSession next = EmbeddedSpark.session("vecforge build c", null); // nothing left to claim: a new one
        assertEquals("vecforge build c", next.sparkContext().appName());
    }
}
