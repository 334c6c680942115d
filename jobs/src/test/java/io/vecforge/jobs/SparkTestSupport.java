package io.vecforge.jobs;

import com.holdenkarau.spark.testing.SharedJavaSparkContext;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * spark-testing-base's shared local SparkContext, driven by JUnit 5 lifecycle hooks (the base
 * class only knows JUnit 4's), with a SparkSession on top: one per test class, 2 local cores.
 * (Its DataFrame base class needs Hive on the classpath, which vecforge does not use.)
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class SparkTestSupport extends SharedJavaSparkContext {
    @Override
    public SparkConf conf() {
        return new SparkConf()
                .setMaster("local[2]")
                .setAppName(getClass().getSimpleName())
                .set("spark.ui.enabled", "false")
                .set("spark.sql.shuffle.partitions", "4")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1");
    }

    protected SparkSession spark() {
        return SparkSession.builder().sparkContext(sc()).getOrCreate();
    }

    @BeforeAll
    void startSpark() {
        runBefore();
    }

    @AfterAll
    void stopSpark() {
        SharedJavaSparkContext.runAfterClass();
    }
}
