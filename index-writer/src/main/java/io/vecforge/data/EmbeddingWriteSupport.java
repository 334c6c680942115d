package io.vecforge.data;

import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.MessageType;

/**
 * Writes (id, vector) rows straight to Parquet's record consumer in the schema of
 * {@link EmbeddingSchema#forWriting}; much faster than building example {@code Group}s, which
 * allocate an object per list element.
 */
final class EmbeddingWriteSupport extends WriteSupport<EmbeddingWriteSupport.Row> {
    /**
     * The vector is consumed during {@code write}, so its array may be reused afterwards. A delta row
     * (schema {@link EmbeddingSchema#forWritingDelta}) has an op, and no vector when it deletes.
     */
    record Row(long id, float[] vector, String op) {}

    private final MessageType schema;
    private final Map<String, String> metadata;
    private final String idColumn;
    private final String vectorColumn;
    private final String repeatedField;
    private final String elementField;
    private final String opColumn;
    private RecordConsumer consumer;

    EmbeddingWriteSupport(MessageType schema, Map<String, String> metadata) {
        this.schema = schema;
        this.metadata = metadata;
        this.idColumn = schema.getFieldName(0);
        this.vectorColumn = schema.getFieldName(1);
        GroupType repeated = schema.getType(1).asGroupType().getType(0).asGroupType();
        this.repeatedField = repeated.getName();
        this.elementField = repeated.getFieldName(0);
        this.opColumn = schema.getFieldCount() > 2 ? schema.getFieldName(2) : null;
    }

    static ParquetWriter.Builder<Row, ?> builder(OutputFile file, MessageType schema,
            Map<String, String> metadata) {
        return new Builder(file, schema, metadata);
    }

    @Override
    public WriteContext init(Configuration configuration) {
        return new WriteContext(schema, metadata);
    }

    @Override
    public void prepareForWrite(RecordConsumer recordConsumer) {
        this.consumer = recordConsumer;
    }

    @Override
    public void write(Row row) {
        consumer.startMessage();
        consumer.startField(idColumn, 0);
        consumer.addLong(row.id());
        consumer.endField(idColumn, 0);

        float[] vector = row.vector();
        if (vector != null) {
            writeVector(vector);
        }
        if (opColumn != null && row.op() != null) {
            consumer.startField(opColumn, 2);
            consumer.addBinary(Binary.fromString(row.op()));
            consumer.endField(opColumn, 2);
        }
        consumer.endMessage();
    }

    private void writeVector(float[] vector) {
        consumer.startField(vectorColumn, 1);
        consumer.startGroup();
        if (vector.length > 0) {
            consumer.startField(repeatedField, 0);
            for (float value : vector) {
                consumer.startGroup();
                consumer.startField(elementField, 0);
                consumer.addFloat(value);
                consumer.endField(elementField, 0);
                consumer.endGroup();
            }
            consumer.endField(repeatedField, 0);
        }
        consumer.endGroup();
        consumer.endField(vectorColumn, 1);
    }

    private static final class Builder extends ParquetWriter.Builder<Row, Builder> {
        private final MessageType schema;
        private final Map<String, String> metadata;

        Builder(OutputFile file, MessageType schema, Map<String, String> metadata) {
            super(file);
            this.schema = schema;
            this.metadata = metadata;
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        protected WriteSupport<Row> getWriteSupport(Configuration conf) {
            return new EmbeddingWriteSupport(schema, metadata);
        }
    }
}
