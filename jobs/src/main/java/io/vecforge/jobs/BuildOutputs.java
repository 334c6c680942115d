package io.vecforge.jobs;

import io.vecforge.bundle.FileDigest;
import io.vecforge.bundle.Manifest;
import io.vecforge.jobs.input.RowAccounting;
import io.vecforge.jobs.shard.ShardStage;
import io.vecforge.jobs.train.TrainTask;
import java.util.List;

/**
 * What the stages produced, up to the shards and the hold-out files: everything the manifest is
 * assembled from ({@link ManifestBuilder}) but validation, the report and the timings.
 *
 * @param quarantine the bundle-relative quarantine directory, or null when no row was rejected
 */
record BuildOutputs(String version, Published parent, String sourcePath, boolean externalIds, RowAccounting rows,
        String quarantine, BuildPlan plan, List<Manifest.BundleFile> idMap, TrainTask.Result trained, long sampleRows,
        FileDigest queries, int queryCount, ShardStage.Result shards,
        io.vecforge.jobs.sample.HoldoutFiles.GroundTruth groundTruth) {}
