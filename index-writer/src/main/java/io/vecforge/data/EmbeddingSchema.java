package io.vecforge.data;

import java.util.stream.Collectors;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.IntLogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type.Repetition;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;

/** The Parquet layout of (id, vector) rows: the one we write, and the ones we accept. */
final class EmbeddingSchema {
    /** How a list of numbers is nested in the vector column. */
    enum ListLayout {
        /** {@code <list> (LIST) { repeated group <r> { <element>; } }}: the standard, Spark's. */
        THREE_LEVEL,
        /** {@code <list> (LIST) { repeated <element>; }}: legacy writers. */
        TWO_LEVEL,
        /** {@code repeated <element> <name>;} straight in the message. */
        REPEATED_PRIMITIVE
    }

    /** A file's id and vector columns, checked; {@code projection} reads just those two. */
    record Resolved(MessageType projection, ListLayout layout, PrimitiveTypeName elementType) {}

    private EmbeddingSchema() {}

    /** {@code required int64 <id>; optional group <vector> (LIST) { repeated group list { required float element; } }}. */
    static MessageType forWriting(String idColumn, String vectorColumn) {
        checkNames(idColumn, vectorColumn);
        return Types.buildMessage()
                .required(PrimitiveTypeName.INT64).named(idColumn)
                .optionalList().requiredElement(PrimitiveTypeName.FLOAT).named(vectorColumn)
                .named("embedding");
    }

    /** A delta's rows: the id, the vector (null for a delete) and the operation as a string. */
    static MessageType forWritingDelta(String idColumn, String vectorColumn, String opColumn) {
        checkNames(idColumn, vectorColumn);
        if (opColumn == null || opColumn.isEmpty() || opColumn.equals(idColumn) || opColumn.equals(vectorColumn)) {
            throw new IllegalArgumentException("the op column needs a name of its own, got '" + opColumn + "'");
        }
        return Types.buildMessage()
                .required(PrimitiveTypeName.INT64).named(idColumn)
                .optionalList().requiredElement(PrimitiveTypeName.FLOAT).named(vectorColumn)
                .optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(opColumn)
                .named("embedding_delta");
    }

    static void checkNames(String idColumn, String vectorColumn) {
        if (idColumn == null || idColumn.isEmpty() || vectorColumn == null || vectorColumn.isEmpty()) {
            throw new IllegalArgumentException("column names must be non-empty, got id='" + idColumn
                    + "', vector='" + vectorColumn + "'");
        }
        if (idColumn.equals(vectorColumn)) {
            throw new IllegalArgumentException("id and vector columns are both '" + idColumn + "'");
        }
    }

    /** @throws IllegalArgumentException naming the column and its type when it is missing or unusable */
    static Resolved resolve(MessageType schema, String idColumn, String vectorColumn, String file) {
        checkNames(idColumn, vectorColumn);
        Type id = column(schema, idColumn, file);
        if (!isIntegerId(id)) {
            throw new IllegalArgumentException("id column '" + idColumn + "' in " + file
                    + " must be a plain (signed) int64 or int32, found: " + describe(id));
        }
        Type vector = column(schema, vectorColumn, file);
        ListLayout layout = layoutOf(vector);
        PrimitiveType element = layout == null ? null : elementOf(vector, layout);
        if (element == null || !isFloatOrDouble(element)) {
            throw new IllegalArgumentException("vector column '" + vectorColumn + "' in " + file
                    + " must be a list of float or double, found: " + describe(vector));
        }
        return new Resolved(new MessageType(schema.getName(), id, vector), layout,
                element.getPrimitiveTypeName());
    }

    private static Type column(MessageType schema, String name, String file) {
        if (!schema.containsField(name)) {
            String found = schema.getFields().stream().map(Type::getName)
                    .collect(Collectors.joining(", ", "[", "]"));
            throw new IllegalArgumentException(
                    "column '" + name + "' not found in " + file + "; its columns are " + found);
        }
        return schema.getType(name);
    }

    private static boolean isIntegerId(Type id) {
        if (!id.isPrimitive() || id.isRepetition(Repetition.REPEATED)) {
            return false;
        }
        PrimitiveTypeName name = id.asPrimitiveType().getPrimitiveTypeName();
        LogicalTypeAnnotation annotation = id.getLogicalTypeAnnotation();
        return (name == PrimitiveTypeName.INT64 || name == PrimitiveTypeName.INT32)
                && (annotation == null
                        || annotation instanceof IntLogicalTypeAnnotation ints && ints.isSigned());
    }

    private static ListLayout layoutOf(Type vector) {
        if (vector.isPrimitive()) {
            return vector.isRepetition(Repetition.REPEATED) ? ListLayout.REPEATED_PRIMITIVE : null;
        }
        GroupType list = vector.asGroupType();
        if (list.isRepetition(Repetition.REPEATED) || list.getFieldCount() != 1
                || !list.getType(0).isRepetition(Repetition.REPEATED)) {
            return null;
        }
        Type repeated = list.getType(0);
        if (repeated.isPrimitive()) {
            return ListLayout.TWO_LEVEL;
        }
        GroupType wrapper = repeated.asGroupType();
        return wrapper.getFieldCount() == 1 && wrapper.getType(0).isPrimitive()
                && !wrapper.getType(0).isRepetition(Repetition.REPEATED) ? ListLayout.THREE_LEVEL : null;
    }

    private static PrimitiveType elementOf(Type vector, ListLayout layout) {
        return switch (layout) {
            case REPEATED_PRIMITIVE -> vector.asPrimitiveType();
            case TWO_LEVEL -> vector.asGroupType().getType(0).asPrimitiveType();
            case THREE_LEVEL -> vector.asGroupType().getType(0).asGroupType().getType(0).asPrimitiveType();
        };
    }

    private static boolean isFloatOrDouble(PrimitiveType element) {
        PrimitiveTypeName name = element.getPrimitiveTypeName();
        return (name == PrimitiveTypeName.FLOAT || name == PrimitiveTypeName.DOUBLE)
                && element.getLogicalTypeAnnotation() == null;
    }

    private static String describe(Type type) {
        return type.toString().replaceAll("\\s+", " ").trim();
    }
}
