package io.vecforge.jobs.input;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import scala.collection.JavaConverters;

/** The value checks' reasons and their precedence, on the components as Spark hands them over (boxed). */
class VectorValueCheckTest {
    private static final VectorValueCheck L2 = new VectorValueCheck(false);
    private static final VectorValueCheck COSINE = new VectorValueCheck(true);

    private static scala.collection.Seq<Object> values(Object... components) {
        return JavaConverters.asScalaBuffer(Arrays.asList(components)).toSeq();
    }

    @Test
    void acceptsWhatFaissCanTake() {
        assertNull(L2.call(values(1f, -2f, 0f)));
        assertNull(L2.call(values(0f, 0f)), "a zero vector is fine when nothing normalises");
        assertNull(COSINE.call(values(0.5, 1e-3)));
        assertNull(L2.call(null), "a null vector is a row problem, not a value problem");
    }

    @Test
    void namesEachReasonInOrderOfPrecedence() {
        assertEquals("non-finite", L2.call(values(1e300, Double.NaN)), "non-finite before float-overflow");
        assertEquals("non-finite", L2.call(values(1f, null)));
        assertEquals("non-finite", L2.call(values(Float.NEGATIVE_INFINITY)));
        assertEquals("float-overflow", L2.call(values(1e-300, 1e39)), "float-overflow before float-underflow");
        assertEquals("float-underflow", L2.call(values(1e-50, 2.0)));
        assertEquals("norm-overflow", L2.call(values(3e38f, 3e38f)));
        assertEquals("zero-vector", COSINE.call(values(0.0, -0.0)));
        assertEquals("norm-underflow", COSINE.call(values(1e-20f, 1e-20f)));
    }
}
