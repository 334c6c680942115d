package io.vecforge.writer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FactoryChooserTest {
    @Test
    void nlistIsAPowerOfTwoWithinFourToSixteenRootNThatKMeansCanTrain() {
        for (long rows : new long[] {100_000, 1_000_000, 10_000_000, 100_000_000}) {
            long nlist = FactoryChooser.nlist(rows);
            assertEquals(1, Long.bitCount(nlist));
            assertTrue(nlist >= 4 * Math.sqrt(rows) && nlist <= 16 * Math.sqrt(rows), rows + " -> " + nlist);
            assertTrue(nlist * 39 <= rows);
        }
        assertEquals(256, FactoryChooser.nlist(10_000), "capped at N/39 for small inputs");
    }

    @Test
    void aLargeBudgetGetsSq8AndTighterOnesFewerPqBytes() {
        FactoryChooser.Choice roomy = FactoryChooser.choose(1_000_000, 128, 4, 1L << 30);
        assertEquals("IVF8192,SQ8", roomy.factory());
        FactoryChooser.Choice tight = FactoryChooser.choose(1_000_000, 128, 4, 64L << 20);
        assertEquals("IVF8192,PQ32np", tight.factory());
        assertTrue(tight.estimatedBytes() <= 64L << 20);
        assertTrue(tight.codeBytes() < 128);
        FactoryChooser.Choice tighter = FactoryChooser.choose(1_000_000, 128, 4, 32L << 20);
        assertTrue(tighter.codeBytes() < tight.codeBytes(), tighter.factory() + " vs " + tight.factory());
        assertTrue(tighter.reasoning().contains("tried SQ8"), tighter.reasoning());
    }

    @Test
    void aBudgetTooSmallForAnyCodeIsAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FactoryChooser.choose(1_000_000, 128, 4, 1L << 20));
        assertTrue(e.getMessage().contains("index.max-memory=1,048,576 bytes is too small"), e.getMessage());
    }
}
