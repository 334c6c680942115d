package io.vecforge.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ShardAssignmentTest {

    @Test
    void isDeterministic() {
        for (long id = -500; id < 500; id++) {
            assertEquals(ShardAssignment.shardOf(id, 7), ShardAssignment.shardOf(id, 7));
        }
        // pinned values: the mapping is part of the bundle format and must never change
        assertEquals(0L, ShardAssignment.fmix64(0));
        assertEquals(0xb456bcfc34c2cb2cL, ShardAssignment.fmix64(1));
    }

    @Test
    void staysInRangeForAnyId() {
        long[] ids = {0, 1, -1, Long.MAX_VALUE, Long.MIN_VALUE, 123_456_789_012L, -987_654_321L};
        for (int shards : new int[] {1, 2, 3, 7, 64, 1000}) {
            for (long id : ids) {
                int shard = ShardAssignment.shardOf(id, shards);
                assertTrue(shard >= 0 && shard < shards, "id " + id + " -> " + shard + " of " + shards);
            }
        }
        assertEquals(0, ShardAssignment.shardOf(Long.MIN_VALUE, 1));
    }

    @Test
    void balancesSequentialIdsWithin5Percent() {
        for (int shards : new int[] {3, 8, 16}) {
            int ids = 100_000;
            int[] counts = new int[shards];
            for (long id = 0; id < ids; id++) {
                counts[ShardAssignment.shardOf(id, shards)]++;
            }
            double expected = (double) ids / shards;
            for (int s = 0; s < shards; s++) {
                assertEquals(expected, counts[s], expected * 0.05, "shard " + s + " of " + shards);
            }
        }
    }
}
