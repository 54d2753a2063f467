package io.pgbk.core.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgbk.core.manifest.BackupId;
import io.pgbk.core.manifest.BackupManifest;
import io.pgbk.core.manifest.BackupType;
import io.pgbk.core.manifest.SampleManifests;
import io.pgbk.core.recovery.RecoveryTarget;
import io.pgbk.core.recovery.TargetTime;
import io.pgbk.core.wal.Lsn;
import io.pgbk.error.PgbkException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BackupChoiceTest {

    private final BackupManifest monday = backup("20261123T020000Z", "0/3000000", BackupType.FULL, null);
    private final BackupManifest tuesday = backup("20261124T020000Z", "0/5000000", BackupType.INCR, "20261123T020000Z");
    private final BackupManifest wednesday = backup("20261125T020000Z", "0/7000000", BackupType.FULL, null);
    private final List<BackupManifest> all = List.of(tuesday, wednesday, monday);

    @Test
    void aTimeTargetTakesTheNewestBackupThatEndedBeforeIt() {
        BackupChoice choice = BackupChoice.choose(all, Optional.empty(),
                new RecoveryTarget.AtTime(new TargetTime(Instant.parse("2026-11-25T01:00:00Z"))));
        assertThat(choice.backup()).isEqualTo(tuesday);
        assertThat(choice.reason()).isEqualTo("backup 20261124T020000Z, the newest that ended before "
                + "2026-11-25 01:00:00.000000+00 (it ended at 2026-11-24T02:10:00Z, LSN 0/5000000)");
    }

    @Test
    void anLsnTargetTakesTheNewestBackupNotPastIt() {
        assertThat(BackupChoice.choose(all, Optional.empty(), new RecoveryTarget.AtLsn(Lsn.parse("0/5000000")))
                .backup()).isEqualTo(tuesday);
    }

    @Test
    void transactionsAndRestorePointsTakeTheNewestAndSaySo() {
        BackupChoice choice = BackupChoice.choose(all, Optional.empty(), new RecoveryTarget.AtName("before-upgrade"));
        assertThat(choice.backup()).isEqualTo(wednesday);
        assertThat(choice.reason()).contains("cannot tell which backups come before restore point 'before-upgrade'");
    }

    @Test
    void aNamedOrLatestBackupIsTaken() {
        assertThat(BackupChoice.choose(all, Optional.of("20261123T020000Z"), new RecoveryTarget.EndOfWal()).backup())
                .isEqualTo(monday);
        assertThat(BackupChoice.choose(all, Optional.of("latest"), new RecoveryTarget.EndOfWal()).backup())
                .isEqualTo(wednesday);
        assertThatThrownBy(() -> BackupChoice.choose(all, Optional.of("20261101T000000Z"), new RecoveryTarget.EndOfWal()))
                .isInstanceOf(PgbkException.class)
                .hasMessage("no backup 20261101T000000Z in the repository (backups: 20261125T020000Z, "
                        + "20261124T020000Z, 20261123T020000Z)");
    }

    @Test
    void aTargetBeforeTheOldestBackupIsRefused() {
        assertThatThrownBy(() -> BackupChoice.choose(all, Optional.empty(),
                new RecoveryTarget.AtTime(new TargetTime(Instant.parse("2026-11-22T00:00:00Z")))))
                .isInstanceOf(PgbkException.class)
                .hasMessage("no backup can reach time 2026-11-22 00:00:00.000000+00: the oldest, 20261123T020000Z, "
                        + "ended at 2026-11-23T02:10:00Z (LSN 0/3000000)");
        assertThatThrownBy(() -> BackupChoice.choose(List.of(), Optional.empty(), new RecoveryTarget.EndOfWal()))
                .isInstanceOf(PgbkException.class)
                .hasMessage("the repository holds no backup of this cluster: nothing to restore");
    }

    @Test
    void aChainNeedsEveryParent() {
        assertThat(BackupChain.resolve(tuesday, all).head()).isEqualTo(tuesday);
        assertThatThrownBy(() -> BackupChain.resolve(tuesday, List.of(tuesday, wednesday)))
                .isInstanceOf(PgbkException.class)
                .hasMessage("backup 20261124T020000Z cannot be restored: it needs backup 20261123T020000Z, "
                        + "which is not in the repository");
    }

    private static BackupManifest backup(String id, String stopLsn, BackupType type, String parent) {
        BackupManifest t = SampleManifests.incremental();
        BackupId backupId = BackupId.parse(id);
        Instant started = backupId.time();
        return new BackupManifest(t.formatVersion(), backupId, type, parent == null ? null : BackupId.parse(parent),
                t.label(), t.startLsn(), Lsn.parse(stopLsn), t.startTimeline(), t.stopTimeline(), started,
                started.plusSeconds(600), t.source(), t.systemIdentifier(), t.pgMajorVersion(), t.compression(),
                t.dataChecksums(), t.backupLabel(), t.tablespaceMap(), t.tablespaces(), t.parts(), t.files());
    }
}
