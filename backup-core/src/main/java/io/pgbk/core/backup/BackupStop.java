/*
 * What pg_backup_stop returns, kept exactly: backup_label and tablespace_map must be restored
 * byte for byte, since recovery reads its starting point from the label.
 */
package io.pgbk.core.backup;

import io.pgbk.core.wal.Lsn;
import io.pgbk.core.wal.TimelineId;

public record BackupStop(Lsn lsn, TimelineId timeline, String labelFile, String tablespaceMap) {
}
