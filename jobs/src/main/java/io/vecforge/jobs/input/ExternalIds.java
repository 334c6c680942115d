package io.vecforge.jobs.input;

import static org.apache.spark.sql.functions.col;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Maps external ids (a string column, or several columns) to dense int64 ids (column index_id of
 * the published map): the distinct keys,
 * sorted, numbered from 0. The same set of keys always gets the same numbers.
 */
public final class ExternalIds {
    public static final String ID = "index_id";

    private ExternalIds() {}

    /** (id, key columns…) for every distinct key of the accepted rows. */
    static Dataset<Row> assign(SparkSession spark, Dataset<Row> accepted, List<String> keyColumns) {
        return assign(spark, accepted, keyColumns, 0);
    }

    /** (id, key columns…) for every distinct key of {@code rows}, sorted and numbered from {@code firstId}. */
    public static Dataset<Row> assign(SparkSession spark, Dataset<Row> rows, List<String> keyColumns, long firstId) {
        Column[] keys = keyColumns.stream().map(c -> col("`" + c + "`")).toArray(Column[]::new);
        Dataset<Row> accepted = rows;
        Dataset<Row> distinct = accepted.select(keys).distinct().orderBy(keys);
        StructType schema = new StructType().add(ID, DataTypes.LongType, false);
        for (String key : keyColumns) {
            schema = schema.add(distinct.schema().apply(key));
        }
        JavaRDD<Row> numbered = distinct.javaRDD().zipWithIndex().map(pair -> {
            List<Object> values = new ArrayList<>();
            values.add(firstId + pair._2());
            for (int i = 0; i < pair._1().size(); i++) {
                values.add(pair._1().get(i));
            }
            return RowFactory.create(values.toArray());
        });
        return spark.createDataFrame(numbered, schema);
    }
}
