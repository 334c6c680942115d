package io.vecforge.writer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecforge.faiss.Metric;
import java.util.List;
import org.junit.jupiter.api.Test;

class FactoryChooserTest {
    @Test
    void theNlistLimitIsAPowerOfTwoWithinFourToSixteenRootNThatKMeansCanTrain() {
        for (long rows : new long[] {100_000, 1_000_000, 10_000_000, 100_000_000}) {
            long nlist = FactoryChooser.nlistLimit(rows);
            assertEquals(1, Long.bitCount(nlist));
            assertTrue(nlist >= 4 * Math.sqrt(rows) && nlist <= 16 * Math.sqrt(rows), rows + " -> " + nlist);
            assertTrue(nlist * 39 <= rows);
        }
        assertEquals(256, FactoryChooser.nlistLimit(10_000), "capped at N/39 for small inputs");
    }

    @Test
    void theShardsCopiesOfTheTrainedStateTakeAtMostAnEighthOfTheCodes() {
        // 200k x 128 in 4 shards, PQ64: 13.7 MiB of codes and ids; 4,096 lists would add 8.8 MiB of copies
        FactoryChooser.Choice four = FactoryChooser.choose(200_000, 128, 4, 24L << 20);
        assertEquals("IVF512,PQ64np", four.factory(), four.reasoning());
        long codes = 200_000L * (64 + 8);
        long copies = 4 * (512L * 128 * 4 + 256L * 128 * 4 + 512L * 16);
        assertTrue(copies <= codes / 8 && 4 * (1024L * 128 * 4 + 256L * 128 * 4 + 1024L * 16) > codes / 8);
        assertEquals((long) Math.ceil(FactoryChooser.SAFETY * (codes + copies)), four.estimatedBytes());
        assertTrue(four.reasoning().contains("nlist 512"), four.reasoning());
        // one shard holds one copy: twice the lists within the same share
        FactoryChooser.Choice one = FactoryChooser.choose(200_000, 128, 1, 24L << 20);
        assertEquals("IVF2048,PQ64np", one.factory(), one.reasoning());
        // many shards: never below the power of two at most sqrt(N)
        FactoryChooser.Choice many = FactoryChooser.choose(200_000, 128, 64, 1L << 30);
        assertEquals(256, many.nlist(), many.reasoning());
    }

    @Test
    void aLargeBudgetGetsSq8AndTighterOnesFewerPqBytes() {
        FactoryChooser.Choice roomy = FactoryChooser.choose(1_000_000, 128, 4, 1L << 30);
        assertEquals("IVF4096,SQ8", roomy.factory(), roomy.reasoning());
        FactoryChooser.Choice tight = FactoryChooser.choose(1_000_000, 128, 4, 64L << 20);
        assertEquals("IVF2048,PQ32np", tight.factory(), tight.reasoning());
        assertTrue(tight.estimatedBytes() <= 64L << 20);
        assertTrue(tight.codeBytes() < 128);
        FactoryChooser.Choice tighter = FactoryChooser.choose(1_000_000, 128, 4, 32L << 20);
        assertTrue(tighter.codeBytes() < tight.codeBytes(), tighter.factory() + " vs " + tight.factory());
        assertTrue(tighter.reasoning().contains("tried SQ8"), tighter.reasoning());
    }

    @Test
    void aPqCodeIsTriedAgainstPcaToAsManyDimensionsAtOneByteEach() {
        FactoryChooser.Choice choice = FactoryChooser.choose(200_000, 128, 4, 24L << 20);
        assertEquals(List.of("IVF512,PQ64np", "PCAR64,IVF512,SQ8"),
                choice.candidates().stream().map(FactoryChooser.Sized::factory).toList());
        assertEquals(choice.estimatedBytes(), choice.candidate("IVF512,PQ64np").estimatedBytes());
        // the same codes and ids; per shard 64-d centroids, SQ8's ranges and the PCA matrices
        long pcaMatrices = 4L * (128 * 128 + 64 * 128 + 2 * 128 + 64);
        long copies = 4 * (512L * 64 * 4 + 2L * 64 * 4 + pcaMatrices + 512L * 16);
        assertEquals((long) Math.ceil(FactoryChooser.SAFETY * (copies + 200_000L * (64 + 8))),
                choice.candidate("PCAR64,IVF512,SQ8").estimatedBytes());
        assertTrue(choice.reasoning().contains("compares it with PCAR64,IVF512,SQ8"), choice.reasoning());
        assertThrows(IllegalArgumentException.class, () -> choice.candidate("IVF512,SQ8"));
        // SQ8 at the full dimension: nothing of its size to compare with
        FactoryChooser.Choice roomy = FactoryChooser.choose(1_000_000, 128, 4, 1L << 30);
        assertEquals(List.of(new FactoryChooser.Sized(roomy.factory(), roomy.estimatedBytes())), roomy.candidates());
        // PCA centres the vectors: inner products' order would shift, so no PCA candidate for ip or cosine
        for (Metric metric : new Metric[] {Metric.INNER_PRODUCT, Metric.COSINE}) {
            FactoryChooser.Choice ip = FactoryChooser.choose(200_000, 128, 4, 24L << 20, metric);
            assertEquals(List.of("IVF512,PQ64np"), ip.candidates().stream().map(FactoryChooser.Sized::factory).toList());
        }
    }

    @Test
    void aBudgetTooSmallForAnyCodeIsAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FactoryChooser.choose(1_000_000, 128, 4, 1L << 20));
        assertTrue(e.getMessage().contains("index.max-memory=1,048,576 bytes is too small"), e.getMessage());
    }
}
