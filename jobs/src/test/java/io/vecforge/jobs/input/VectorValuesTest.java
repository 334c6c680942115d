package io.vecforge.jobs.input;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.junit.jupiter.api.Test;

/** The null test on Spark's own arrays reads their null bits a word at a time: every position, every length. */
class VectorValuesTest {
    @Test
    void aNullComponentIsFoundAtEveryPositionOfEveryLength() {
        for (int dimension : new int[] {1, 2, 63, 64, 65, 127, 128, 129, 768}) {
            assertFalse(VectorValues.anyNull(UnsafeArrayData.fromPrimitiveArray(new float[dimension]), dimension),
                    "no null in " + dimension);
            for (int at = 0; at < dimension; at++) {
                UnsafeArrayData values = UnsafeArrayData.fromPrimitiveArray(new float[dimension]);
                values.setNullAt(at);
                assertTrue(VectorValues.anyNull(values, dimension), "null at " + at + " of " + dimension);
                Object[] boxed = new Object[dimension];
                java.util.Arrays.fill(boxed, 1f);
                boxed[at] = null;
                assertTrue(VectorValues.anyNull(new GenericArrayData(boxed), dimension), "generic, null at " + at);
            }
        }
    }

    @Test
    void checkCallsANullComponentNonFiniteAndKeepsAGoodVector() {
        VectorValues values = new VectorValues(false);
        UnsafeArrayData withNull = UnsafeArrayData.fromPrimitiveArray(new float[] {1, 2, 3});
        withNull.setNullAt(2);
        assertEquals("non-finite", values.check(withNull, false, 3));
        assertNull(values.floats());
        assertNull(values.check(UnsafeArrayData.fromPrimitiveArray(new float[] {1, 2, 3}), false, 3));
        assertEquals(3, values.floats().length);
    }
}
