package io.vecforge.jobs.input;

import io.vecforge.Failure;
import io.vecforge.jobs.BuildFailedException;
import java.util.List;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Checks the input's columns before any work. Ids: one bigint/int column (used as is), or one
 * or more string/bigint/int columns mapped to dense int64 ids. Vector: array of float or double.
 * Ordering column (optional): a number, date or timestamp.
 */
public final class InputSchema {
    private InputSchema() {}

    /** Returns whether the ids must be mapped to dense int64 ids (string or composite keys). */
    static boolean check(StructType schema, List<String> idColumns, String vectorColumn, String orderColumn) {
        if (idColumns.isEmpty()) {
            throw schemaError("input.id-column names no column");
        }
        boolean external = idColumns.size() > 1;
        for (String idColumn : idColumns) {
            DataType id = columnType(schema, idColumn, "bigint");
            if (id.equals(DataTypes.StringType)) {
                external = true;
            } else if (!id.equals(DataTypes.LongType) && !id.equals(DataTypes.IntegerType)) {
                throw wrongType(idColumn, "bigint, int or string", id);
            }
        }
        DataType vector = columnType(schema, vectorColumn, "array<float>");
        if (!(vector instanceof ArrayType array)
                || !(array.elementType().equals(DataTypes.FloatType) || array.elementType().equals(DataTypes.DoubleType))) {
            throw wrongType(vectorColumn, "array<float> or array<double>", vector);
        }
        if (orderColumn != null) {
            DataType order = columnType(schema, orderColumn, "bigint or timestamp");
            boolean orderable = order.equals(DataTypes.LongType) || order.equals(DataTypes.IntegerType)
                    || order.equals(DataTypes.TimestampType) || order.equals(DataTypes.DateType);
            if (!orderable) {
                throw wrongType(orderColumn, "bigint, int, date or timestamp", order);
            }
        }
        return external;
    }

    static DataType columnType(StructType schema, String column, String expected) {
        for (StructField field : schema.fields()) {
            if (field.name().equals(column)) {
                return field.dataType();
            }
        }
        throw schemaError("input has no column '" + column + "' (expected " + expected + "); columns found: "
                + String.join(", ", schema.fieldNames()));
    }

    private static BuildFailedException wrongType(String column, String expected, DataType found) {
        return schemaError("column '" + column + "' has type " + found.simpleString() + ", expected " + expected);
    }

    private static BuildFailedException schemaError(String message) {
        return BuildFailedException.of(Failure.INPUT_SCHEMA, message);
    }
}
