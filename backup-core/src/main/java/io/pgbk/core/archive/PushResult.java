/*
 * What a push did with one WAL file: stored it, or found it already archived with the same
 * content (archive_command is retried after a crash or a lost answer, and must then succeed).
 */
package io.pgbk.core.archive;

import io.pgbk.core.seal.ContentDigest;
import io.pgbk.core.wal.WalFileName;

public record PushResult(WalFileName name, String objectName, Outcome outcome, ContentDigest digest) {

    public enum Outcome {
        STORED,
        ALREADY_ARCHIVED
    }
}
