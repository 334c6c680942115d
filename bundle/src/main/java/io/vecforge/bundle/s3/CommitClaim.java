package io.vecforge.bundle.s3;

import io.vecforge.bundle.HistoryEntry;

/**
 * One move of LATEST on S3, claimed by creating {@code _commits/<step>.json} with
 * {@code If-None-Match: *}: the one writer whose create succeeds owns the step. {@code baseETag}
 * is LATEST's ETag the claim was made from (null: LATEST absent), so anyone can finish the move
 * of a claimant that died between its claim and its pointer write.
 */
record CommitClaim(long step, String from, String to, String baseETag, String commitId, HistoryEntry entry) {}
