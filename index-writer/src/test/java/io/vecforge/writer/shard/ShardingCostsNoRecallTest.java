package io.vecforge.writer.shard;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.vecforge.bundle.ShardAssignment;
import io.vecforge.faiss.FaissIndex;
import io.vecforge.faiss.Metric;
import io.vecforge.faiss.Neighbours;
import io.vecforge.testing.TestVectors;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Shards copied from one trained index, searched and merged, answer exactly as one index would. */
class ShardingCostsNoRecallTest {
    private static final int D = 16;
    private static final int ROWS = 6000;
    private static final int SHARDS = 4;

    @Test
    void mergedShardResultsEqualOneIndex() {
        float[] data = TestVectors.clustered(ROWS, D, 11);
        long[] ids = new long[ROWS];
        for (int i = 0; i < ROWS; i++) {
            ids[i] = i;
        }
        float[] queries = Arrays.copyOf(data, 50 * D);
        try (FaissIndex trained = FaissIndex.create(D, "IVF32,PQ8np", Metric.L2)) {
            trained.train(data, ROWS);
            Neighbours single = new Neighbours(50, 10, true);
            try (FaissIndex whole = trained.copy()) {
                whole.addWithIds(data, ids, ROWS);
                whole.setNprobe(8);
                single.offerAll(whole.search(queries, 50, 10));
            }
            Neighbours merged = new Neighbours(50, 10, true);
            for (int shard = 0; shard < SHARDS; shard++) {
                try (FaissIndex part = trained.copy()) {
                    for (int i = 0; i < ROWS; i++) {
                        if (ShardAssignment.shardOf(ids[i], SHARDS) == shard) {
                            part.addWithIds(Arrays.copyOfRange(data, i * D, (i + 1) * D), new long[] {ids[i]}, 1);
                        }
                    }
                    part.setNprobe(8);
                    merged.offerAll(part.search(queries, 50, 10));
                }
            }
            assertArrayEquals(single.ids(), merged.ids());
        }
    }
}
