package io.vecforge.writer.shard;

import io.vecforge.faiss.Neighbours;
import java.util.List;

/**
 * What building one shard produced, before the file is uploaded: rows indexed, rows dropped as
 * duplicates of an id already kept (with a few of those ids), and the exact neighbours of the
 * hold-out queries among this shard's rows.
 */
public record ShardResult(int shard, long rows, Long minId, Long maxId, long duplicates,
        List<Long> duplicateSamples, Neighbours exactNeighbours) {}
