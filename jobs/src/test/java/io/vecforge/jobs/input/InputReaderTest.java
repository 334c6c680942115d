package io.vecforge.jobs.input;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vecforge.data.EmbeddingParquetWriter;
import io.vecforge.jobs.SparkTestSupport;
import io.vecforge.jobs.config.BuildConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The footers read on the driver give the schema and the row count Spark's own inference and count give. */
class InputReaderTest extends SparkTestSupport {
    @TempDir
    Path dir;

    @Test
    void footersGiveSparksSchemaAndCountOverPartitionsSkippingHiddenFiles() throws Exception {
        Path input = dir.resolve("input");
        EmbeddingParquetWriter.generate(new Configuration(), hadoop(input.resolve("day=1")), 3_000, 8, 3, 1, "id",
                "vector");
        EmbeddingParquetWriter.generate(new Configuration(), hadoop(input.resolve("day=2")), 2_000, 8, 2, 2, "id",
                "vector");
        // a job still writing, and a file still being uploaded: Spark reads neither, so neither counts
        EmbeddingParquetWriter.generate(new Configuration(), hadoop(input.resolve("_temporary")), 500, 8, 1, 3, "id",
                "vector");
        Files.writeString(input.resolve("day=2").resolve("part-9.parquet._COPYING_"), "half a file",
                StandardCharsets.UTF_8);

        InputTable table = open(input);
        InputTable bySpark = InputReader.open(spark(), config(input), spark().sparkContext().hadoopConfiguration(), 4);

        assertEquals(5_000, table.rows());
        assertEquals(table.raw().count(), table.rows(), "Spark counts what the footers count");
        StructType inferred = spark().read().option("mergeSchema", "true").parquet(input.toUri().toString()).schema();
        assertEquals(inferred, table.raw().schema(), "the schema Spark infers, partition column included");
        assertEquals(5_000, bySpark.rows(), "more files than the driver reads footers of: Spark's jobs count");
        assertEquals(inferred, bySpark.raw().schema());
    }

    @Test
    void filesWithDifferentButCompatibleColumnsMergeAsMergeSchemaWould() throws Exception {
        Path input = dir.resolve("merged");
        StructType narrow = new StructType().add("id", DataTypes.LongType)
                .add("vector", DataTypes.createArrayType(DataTypes.FloatType));
        StructType wide = narrow.add("note", DataTypes.StringType);
        spark().createDataFrame(List.<Row>of(RowFactory.create(1L, new float[] {1, 2})), narrow).write()
                .parquet(input.toUri().toString());
        spark().createDataFrame(List.<Row>of(RowFactory.create(2L, new float[] {3, 4}, "x"),
                RowFactory.create(3L, new float[] {5, 6}, "y")), wide).write()
                .mode("append").parquet(input.toUri().toString());

        InputTable table = open(input);

        assertEquals(3, table.rows());
        assertEquals(spark().read().option("mergeSchema", "true").parquet(input.toUri().toString()).schema(),
                table.raw().schema(), "id, vector and the one file's note");
        assertEquals(3, table.raw().count());
    }

    @Test
    void theFirstNonNullVectorsSizeIsReadWhateverTheListLayout() throws Exception {
        StructType floats = new StructType().add("id", DataTypes.LongType)
                .add("vector", DataTypes.createArrayType(DataTypes.FloatType));
        StructType doubles = new StructType().add("id", DataTypes.LongType)
                .add("vector", DataTypes.createArrayType(DataTypes.DoubleType));
        List<Row> floatRows = List.of(RowFactory.create(1L, null), RowFactory.create(2L, null),
                RowFactory.create(3L, new float[] {1, 2, 3}), RowFactory.create(4L, new float[] {1, 2}));
        List<Row> doubleRows = List.of(RowFactory.create(1L, null), RowFactory.create(2L, new double[] {1, 2, 3, 4}));
        List<Row> nullRows = List.of(RowFactory.create(1L, null));
        Configuration conf = spark().sparkContext().hadoopConfiguration();

        assertEquals(3, firstVectorSize(dir.resolve("standard"), floatRows, floats, false, conf));
        assertEquals(3, firstVectorSize(dir.resolve("legacy"), floatRows, floats, true, conf),
                "Spark's legacy list layout (repeated group bag { optional float array; })");
        assertEquals(4, firstVectorSize(dir.resolve("doubles"), doubleRows, doubles, false, conf));
        assertEquals(0, firstVectorSize(dir.resolve("nulls"), nullRows, floats, false, conf), "no vector at all");
    }

    @Test
    void theFootersTellTheVectorsSizeOnlyWhereNoValueIsNull() throws Exception {
        StructType floats = new StructType().add("id", DataTypes.LongType)
                .add("vector", DataTypes.createArrayType(DataTypes.FloatType));
        Configuration conf = spark().sparkContext().hadoopConfiguration();
        List<Row> uniform = List.of(RowFactory.create(1L, new float[] {1, 2, 3}), RowFactory.create(2L,
                new float[] {4, 5, 6}), RowFactory.create(3L, new float[] {7, 8, 9}));
        InputTable table = written(dir.resolve("uniform"), uniform, floats, false);
        assertEquals(3, table.footerVectorSize());
        assertEquals(3, table.guessedDimension(conf));
        assertEquals(3, written(dir.resolve("uniform-legacy"), uniform, floats, true).footerVectorSize());

        // a null vector, a null component, an empty vector: the footers cannot tell; the first vector's size
        List<Row> nullVector = List.of(RowFactory.create(1L, new float[] {1, 2}), RowFactory.create(2L, null),
                RowFactory.create(3L, new float[] {1, 2}), RowFactory.create(4L, new float[] {1, 2}));
        List<Row> nullComponent = List.of(RowFactory.create(1L, new Float[] {1f, null}),
                RowFactory.create(2L, new Float[] {1f, 2f}));
        List<Row> empty = List.of(RowFactory.create(1L, new float[] {1, 2}), RowFactory.create(2L, new float[0]),
                RowFactory.create(3L, new float[] {1}));
        assertEquals(0, written(dir.resolve("null-vector"), nullVector, floats, false).footerVectorSize());
        assertEquals(2, written(dir.resolve("null-vector-2"), nullVector, floats, false).guessedDimension(conf));
        assertEquals(0, written(dir.resolve("null-component"), nullComponent, floats, false).footerVectorSize());
        assertEquals(0, written(dir.resolve("empty"), empty, floats, false).footerVectorSize());

        // sizes 4 and 2 count 3 a row: a guess, which the scan's size check then refutes
        List<Row> mixed = List.of(RowFactory.create(1L, new float[] {1, 2, 3, 4}), RowFactory.create(2L,
                new float[] {1, 2}));
        assertEquals(3, written(dir.resolve("mixed"), mixed, floats, false).footerVectorSize());
    }

    @Test
    void theFirstVectorIsFoundWhateverTheNamesCaseAndAnUnreadableFileGivesNoGuess() throws Exception {
        Path input = dir.resolve("cased");
        StructType schema = new StructType().add("id", DataTypes.LongType)
                .add("Vector", DataTypes.createArrayType(DataTypes.FloatType));
        spark().createDataFrame(List.<Row>of(RowFactory.create(1L, new float[] {1, 2, 3, 4, 5})), schema).coalesce(1)
                .write().parquet(input.toUri().toString());
        Configuration conf = spark().sparkContext().hadoopConfiguration();
        org.apache.hadoop.fs.FileSystem fs = org.apache.hadoop.fs.FileSystem.getLocal(conf);
        List<org.apache.hadoop.fs.FileStatus> files = java.util.Arrays.stream(fs.listStatus(hadoop(input)))
                .filter(f -> f.getPath().getName().endsWith(".parquet")).toList();

        assertEquals(5, FirstVector.dimension(conf, files, "vector"), "Spark matches column names in any case");

        Path garbage = dir.resolve("garbage.parquet");
        Files.writeString(garbage, "not parquet at all", StandardCharsets.UTF_8);
        assertEquals(0, FirstVector.dimension(conf, List.of(fs.getFileStatus(hadoop(garbage))), "vector"),
                "no guess: the build counts dimensions with Spark, which names the problem");
    }

    private int firstVectorSize(Path input, List<Row> rows, StructType schema, boolean legacy, Configuration conf) {
        return written(input, rows, schema, legacy).firstVectorSize(conf);
    }

    private InputTable written(Path input, List<Row> rows, StructType schema, boolean legacy) {
        String key = "spark.sql.parquet.writeLegacyFormat";
        spark().conf().set(key, String.valueOf(legacy));
        try {
            spark().createDataFrame(rows, schema).coalesce(1).write().parquet(input.toUri().toString());
        } finally {
            spark().conf().unset(key);
        }
        return open(input);
    }

    private InputTable open(Path input) {
        return InputReader.open(spark(), config(input), spark().sparkContext().hadoopConfiguration());
    }

    private BuildConfig config(Path input) {
        return BuildConfig.of(Map.of("index.name", "reader", "input.path", input.toUri().toString(),
                "output.root", dir.resolve("root").toUri().toString()), "test");
    }

    private static org.apache.hadoop.fs.Path hadoop(Path path) {
        return new org.apache.hadoop.fs.Path(path.toUri());
    }
}
