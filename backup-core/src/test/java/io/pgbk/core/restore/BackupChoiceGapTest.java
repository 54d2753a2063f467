package io.pgbk.core.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgbk.core.catalog.WalGapRecords;
import io.pgbk.core.catalog.WalGaps;
import io.pgbk.core.codec.Compression;
import io.pgbk.core.manifest.BackupId;
import io.pgbk.core.manifest.BackupManifest;
import io.pgbk.core.manifest.SampleManifests;
import io.pgbk.core.recovery.RecoveryPlan;
import io.pgbk.core.recovery.RecoveryTarget;
import io.pgbk.core.recovery.TargetAction;
import io.pgbk.core.recovery.TargetTime;
import io.pgbk.core.recovery.TargetTimeline;
import io.pgbk.core.repo.ClusterInfo;
import io.pgbk.core.repo.Repository;
import io.pgbk.core.seal.SealingInputStream;
import io.pgbk.core.wal.Lsn;
import io.pgbk.core.wal.SystemIdentifier;
import io.pgbk.core.wal.TimelineId;
import io.pgbk.core.wal.WalFileName;
import io.pgbk.core.wal.WalGap;
import io.pgbk.core.wal.WalPosition;
import io.pgbk.core.wal.WalSegmentSize;
import io.pgbk.error.PgbkException;
import io.pgbk.storage.local.LocalObjectStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Backup choice and the restore pre-check against WAL gap records, on a repository of made-up backups. */
class BackupChoiceGapTest {

    private static final WalSegmentSize SEGMENT = WalSegmentSize.ofBytes(1024 * 1024);
    private static final TimelineId ONE = TimelineId.FIRST;
    /** The receiver lost 0/500000-0/700000 on timeline 1 and found out at 04:00. */
    private static final WalGap GAP = new WalGap(new WalPosition(ONE, Lsn.parse("0/500000")),
            new WalPosition(ONE, Lsn.parse("0/700000")), Instant.parse("2026-11-23T04:00:00Z"), "host=pg1",
            "START_REPLICATION: requested WAL segment has already been removed");

    @TempDir
    Path root;
    private LocalObjectStore store;
    private Repository repository;

    /** Before the gap: started at 01:00 and 0/200028, ended a minute later at 0/300000. */
    private final BackupManifest before = backup("20261123T010000Z", "0/200028", "0/300000");
    /** Taken across the gap: its own WAL is incomplete. */
    private final BackupManifest across = backup("20261123T030000Z", "0/400028", "0/800000");
    /** After the gap. */
    private final BackupManifest after = backup("20261123T050000Z", "0/900028", "0/A00000");

    @BeforeEach
    void open() {
        store = new LocalObjectStore(root);
        repository = Repository.open(store, "main");
        repository.ensureCluster(new ClusterInfo(SystemIdentifier.parse("7312345678901234567"), 15, SEGMENT, 8192,
                ClusterInfo.FORMAT_VERSION), "a test");
        new WalGapRecords(repository).write(GAP);
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void theEndOfWalFromABackupBeforeTheGapIsRefusedNamingTheGapAndWhatToDo() {
        assertThatThrownBy(() -> choose(List.of(before), Optional.empty(), new RecoveryTarget.EndOfWal()))
                .isInstanceOf(PgbkException.class)
                .hasMessage("backup 20261123T010000Z cannot be recovered to the end of the archived WAL: the WAL "
                        + "0/500000-0/700000 on timeline 1 (segments 000000010000000000000005 to "
                        + "000000010000000000000006) is lost, the WAL receiver found it gone at 2026-11-23T04:00:00Z, "
                        + "and no recovery can replay across such a gap; restore to a target before 0/500000 or "
                        + "from a backup taken after the gap (none yet: take one)");
        assertThatThrownBy(() -> choose(List.of(before, after), Optional.of("20261123T010000Z"),
                new RecoveryTarget.EndOfWal()))
                .isInstanceOf(PgbkException.class)
                .hasMessageEndingWith("from a backup taken after the gap (20261123T050000Z)");
        assertThat(choose(List.of(before, after), Optional.empty(), new RecoveryTarget.EndOfWal()).backup())
                .isEqualTo(after);
    }

    @Test
    void aTargetBeforeTheGapProceeds() {
        assertThat(choose(List.of(before, after), Optional.empty(), new RecoveryTarget.AtLsn(Lsn.parse("0/4FFFFF")))
                .backup()).isEqualTo(before);
        assertThatThrownBy(() -> choose(List.of(before, after), Optional.empty(),
                new RecoveryTarget.AtLsn(Lsn.parse("0/500000"))))
                .isInstanceOf(PgbkException.class)
                .hasMessageContaining("cannot be recovered to LSN 0/500000: the WAL 0/500000-0/700000 on timeline 1");
    }

    @Test
    void aBackupWhoseOwnWalHasAGapIsSkippedAndRefusedWhenNamed() {
        BackupChoice immediate = choose(List.of(before, across), Optional.empty(), new RecoveryTarget.Immediate());
        assertThat(immediate.backup()).isEqualTo(before);
        assertThat(immediate.reason()).contains("without crossing a WAL gap (20261123T030000Z would cross one)");
        assertThat(choose(List.of(before, across), Optional.empty(), new RecoveryTarget.AtXid(1234)).backup())
                .isEqualTo(before);
        assertThatThrownBy(() -> choose(List.of(before, across, after), Optional.of("20261123T030000Z"),
                new RecoveryTarget.Immediate()))
                .isInstanceOf(PgbkException.class)
                .hasMessageContaining("it lies within the backup's own WAL; restore another backup (20261123T050000Z)");
    }

    @Test
    void aTimeAfterTheReceiverFoundTheGapIsRefusedAnEarlierOneIsLeftToPostgres() {
        assertThatThrownBy(() -> choose(List.of(before), Optional.empty(), time("2026-11-23T04:00:00Z")))
                .isInstanceOf(PgbkException.class)
                .hasMessageContaining("cannot be recovered to time 2026-11-23 04:00:00");
        assertThat(choose(List.of(before), Optional.empty(), time("2026-11-23T03:59:00Z")).backup()).isEqualTo(before);
    }

    @Test
    void aTimelineThatBranchedOffBeforeTheGapDoesNotCrossIt() throws IOException {
        repository.putIfAbsent(Repository.walKey(WalFileName.parse("00000002.history")), new SealingInputStream(
                new ByteArrayInputStream("1\t0/480000\tpromoted\n".getBytes(StandardCharsets.UTF_8)),
                Compression.NONE));
        assertThat(choose(List.of(before), Optional.empty(), new RecoveryTarget.EndOfWal()).backup()).isEqualTo(before);
        assertThatThrownBy(() -> BackupChoice.choose(List.of(before), Optional.empty(), new RecoveryPlan(
                new RecoveryTarget.EndOfWal(), false, TargetTimeline.CURRENT, TargetAction.PROMOTE),
                WalGaps.read(repository)))
                .isInstanceOf(PgbkException.class)
                .hasMessageContaining("0/500000-0/700000 on timeline 1");
    }

    @Test
    void listAndShowNoteAGapInOrAfterABackup() {
        WalGaps gaps = WalGaps.read(repository);
        assertThat(RequiredWal.gapNote(before, gaps))
                .contains("WAL gap after this backup: 0/500000-0/700000 on timeline 1");
        assertThat(RequiredWal.gapNote(across, gaps))
                .contains("WAL gap inside this backup: 0/500000-0/700000 on timeline 1, it cannot be restored");
        assertThat(RequiredWal.gapNote(after, gaps)).isEmpty();
    }

    /**
     * A standby's backup can stop at the very start of a segment. Recovery to 'immediate' then
     * reads the record there: that segment is the backup's own WAL, and a gap starting there
     * leaves the backup unrestorable.
     */
    @Test
    void aBackupStoppingAtTheStartOfASegmentNeedsThatSegment() {
        BackupManifest toTheGap = backup("20261123T020000Z", "0/300028", "0/500000");
        assertThat(RequiredWal.of(toTheGap, SEGMENT).lastSegment()).isEqualTo(5);
        assertThat(RequiredWal.of(before, SEGMENT).lastSegment()).isEqualTo(3);
        assertThat(RequiredWal.gapNote(toTheGap, WalGaps.read(repository)))
                .contains("WAL gap inside this backup: 0/500000-0/700000 on timeline 1, it cannot be restored");
    }

    private BackupChoice choose(List<BackupManifest> backups, Optional<String> requested, RecoveryTarget target) {
        return BackupChoice.choose(backups, requested, new RecoveryPlan(target, false, TargetTimeline.LATEST,
                TargetAction.PROMOTE), WalGaps.read(repository));
    }

    private static RecoveryTarget time(String instant) {
        return new RecoveryTarget.AtTime(new TargetTime(Instant.parse(instant)));
    }

    private static BackupManifest backup(String id, String startLsn, String stopLsn) {
        BackupManifest t = SampleManifests.full(BackupId.parse(id));
        return new BackupManifest(t.formatVersion(), t.id(), t.type(), null, t.label(), Lsn.parse(startLsn),
                Lsn.parse(stopLsn), ONE, ONE, t.id().time(), t.id().time().plusSeconds(60), t.source(),
                t.systemIdentifier(), t.pgMajorVersion(), t.compression(), t.dataChecksums(), t.backupLabel(),
                t.tablespaceMap(), t.tablespaces(), t.parts(), t.files());
    }
}
