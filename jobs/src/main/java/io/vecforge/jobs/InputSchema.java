package io.vecforge.jobs;

import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** Checks the input's columns before any work: id is long (or int), vector is array of float or double. */
final class InputSchema {
    private InputSchema() {}

    static void check(StructType schema, String idColumn, String vectorColumn) {
        DataType id = columnType(schema, idColumn, "bigint");
        if (!id.equals(DataTypes.LongType) && !id.equals(DataTypes.IntegerType)) {
            throw wrongType(idColumn, "bigint (long)", id);
        }
        DataType vector = columnType(schema, vectorColumn, "array<float>");
        if (!(vector instanceof ArrayType array)
                || !(array.elementType().equals(DataTypes.FloatType) || array.elementType().equals(DataTypes.DoubleType))) {
            throw wrongType(vectorColumn, "array<float> or array<double>", vector);
        }
    }

    private static DataType columnType(StructType schema, String column, String expected) {
        for (StructField field : schema.fields()) {
            if (field.name().equals(column)) {
                return field.dataType();
            }
        }
        throw new IllegalArgumentException("input has no column '" + column + "' (expected " + expected
                + "); columns found: " + String.join(", ", schema.fieldNames()));
    }

    private static IllegalArgumentException wrongType(String column, String expected, DataType found) {
        return new IllegalArgumentException("column '" + column + "' has type " + found.simpleString()
                + ", expected " + expected);
    }
}
