package io.vecforge.build;

/** What building one shard produced, before the file is uploaded. */
public record ShardResult(int shard, long rows, Long minId, Long maxId, Neighbours exactNeighbours) {}
