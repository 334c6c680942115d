package io.vecforge.bundle;

/**
 * Which shard an id belongs to: MurmurHash3's 64-bit finaliser of the id, modulo the shard count.
 * Fixed by the bundle format (the manifest names it), so validators can check shard membership.
 */
public final class ShardAssignment {
    public static final String NAME = "fmix64-mod";

    private ShardAssignment() {}

    public static int shardOf(long id, int shards) {
        return (int) Long.remainderUnsigned(fmix64(id), shards);
    }

    static long fmix64(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return k;
    }
}
