package io.vecforge.jobs.shard;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** A shard task's sort run is its share of the heap Spark leaves, within bounds. */
class ShardTaskRunBytesTest {
    private static final long MIB = 1L << 20;

    @Test
    void aThirdOfTheHeapBeyondSparksReserveSharedByTheTasksAtOnce() {
        assertEquals((4096 - 300) * MIB / 3 / 2, ShardTask.runBytes(4096 * MIB, 2));
        assertEquals((1024 - 300) * MIB / 3 / 2, ShardTask.runBytes(1024 * MIB, 2));
        assertEquals((1024 - 300) * MIB / 3, ShardTask.runBytes(1024 * MIB, 1));
    }

    @Test
    void smallHeapsGetTheFloorAndLargeOnesTheCap() {
        assertEquals(32 * MIB, ShardTask.runBytes(256 * MIB, 2), "below Spark's reserve");
        assertEquals(32 * MIB, ShardTask.runBytes(512 * MIB, 16));
        assertEquals(1024 * MIB, ShardTask.runBytes(64L * 1024 * MIB, 2));
        assertEquals(ShardTask.runBytes(4096 * MIB, 1), ShardTask.runBytes(4096 * MIB, 0), "no tasks counts as one");
    }
}
