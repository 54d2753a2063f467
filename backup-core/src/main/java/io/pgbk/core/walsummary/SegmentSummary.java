package io.pgbk.core.walsummary;

/**
 * The blocks the records of one segment reference, how many records that was, and whether it was
 * stored when the segment was archived (rather than read from the segment now).
 */
record SegmentSummary(ChangedBlocks blocks, long records, boolean stored) {
}
