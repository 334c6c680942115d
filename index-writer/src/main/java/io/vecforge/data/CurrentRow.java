package io.vecforge.data;

import java.util.Arrays;
import org.apache.parquet.io.api.Converter;
import org.apache.parquet.io.api.GroupConverter;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.io.api.RecordMaterializer;

/**
 * The (id, vector) row the Parquet converters last assembled. One instance is refilled for
 * every record, so reading allocates nothing per row once the vector buffer has its size.
 * Problems (nulls) are recorded rather than thrown, because Parquet wraps exceptions thrown
 * from converters in its own.
 */
final class CurrentRow {
    long id;
    boolean hasId;
    boolean hasVector;
    boolean hasNullElement;
    private float[] values = new float[0];
    private int size;

    /** The vector, exactly {@code size} long; the same array is reused while the size stays. */
    float[] vector() {
        if (values.length != size) {
            values = Arrays.copyOf(values, size);
        }
        return values;
    }

    private void start() {
        hasId = false;
        hasVector = false;
        hasNullElement = false;
        size = 0;
    }

    private void add(float value) {
        if (size == values.length) {
            values = Arrays.copyOf(values, Math.max(8, size * 2));
        }
        values[size++] = value;
    }

    RecordMaterializer<CurrentRow> materializer(EmbeddingSchema.ListLayout layout) {
        GroupConverter root = new RootConverter(vectorConverter(layout),
                layout == EmbeddingSchema.ListLayout.REPEATED_PRIMITIVE);
        return new RecordMaterializer<>() {
            @Override
            public CurrentRow getCurrentRecord() {
                return CurrentRow.this;
            }

            @Override
            public GroupConverter getRootConverter() {
                return root;
            }
        };
    }

    private Converter vectorConverter(EmbeddingSchema.ListLayout layout) {
        PrimitiveConverter element = new ElementConverter();
        return switch (layout) {
            case REPEATED_PRIMITIVE -> element;
            case TWO_LEVEL -> new ListConverter(element);
            case THREE_LEVEL -> new ListConverter(new ElementWrapperConverter(element));
        };
    }

    private final class RootConverter extends GroupConverter {
        private final Converter id = new IdConverter();
        private final Converter vector;
        /** A bare repeated column cannot be null, only empty. */
        private final boolean vectorAlwaysPresent;

        RootConverter(Converter vector, boolean vectorAlwaysPresent) {
            this.vector = vector;
            this.vectorAlwaysPresent = vectorAlwaysPresent;
        }

        @Override
        public Converter getConverter(int fieldIndex) {
            return fieldIndex == 0 ? id : vector;
        }

        @Override
        public void start() {
            CurrentRow.this.start();
            hasVector = vectorAlwaysPresent;
        }

        @Override
        public void end() {}
    }

    private final class IdConverter extends PrimitiveConverter {
        @Override
        public void addLong(long value) {
            id = value;
            hasId = true;
        }

        @Override
        public void addInt(int value) {
            addLong(value);
        }
    }

    private final class ListConverter extends GroupConverter {
        private final Converter repeated;

        ListConverter(Converter repeated) {
            this.repeated = repeated;
        }

        @Override
        public Converter getConverter(int fieldIndex) {
            return repeated;
        }

        @Override
        public void start() {
            hasVector = true;
        }

        @Override
        public void end() {}
    }

    /** The repeated group of a three-level list; it holds a null element when it holds nothing. */
    private final class ElementWrapperConverter extends GroupConverter {
        private final Converter element;
        private int sizeAtStart;

        ElementWrapperConverter(Converter element) {
            this.element = element;
        }

        @Override
        public Converter getConverter(int fieldIndex) {
            return element;
        }

        @Override
        public void start() {
            sizeAtStart = size;
        }

        @Override
        public void end() {
            if (size == sizeAtStart) {
                hasNullElement = true;
            }
        }
    }

    private final class ElementConverter extends PrimitiveConverter {
        @Override
        public void addFloat(float value) {
            add(value);
        }

        @Override
        public void addDouble(double value) {
            add((float) value);
        }
    }
}
