/*
 * The content of the repository's backup lock: who holds it and when they last said they were
 * alive. A process that dies stops the heartbeat; after the stale limit anyone may take over.
 */
package io.pgbk.core.backup;

import java.time.Instant;

/**
 * @param owner     random per run, to tell a takeover from one's own lock
 * @param host      host name of the holder
 * @param pid       process id of the holder
 * @param backupId  the backup being written
 * @param heartbeat last time the holder rewrote the lock
 */
public record LockHolder(String owner, String host, long pid, String backupId, Instant heartbeat) {

    LockHolder beat(Instant now) {
        return new LockHolder(owner, host, pid, backupId, now);
    }

    String describe() {
        return "backup " + backupId + " by " + host + " pid " + pid;
    }
}
