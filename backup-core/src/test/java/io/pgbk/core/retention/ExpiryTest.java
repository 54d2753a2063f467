package io.pgbk.core.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgbk.core.backup.BackupLock;
import io.pgbk.core.catalog.Catalog;
import io.pgbk.core.catalog.WalGapRecords;
import io.pgbk.core.manifest.BackupId;
import io.pgbk.core.manifest.BackupManifest;
import io.pgbk.core.manifest.BackupType;
import io.pgbk.core.repo.Repository;
import io.pgbk.core.wal.Lsn;
import io.pgbk.core.wal.TimelineId;
import io.pgbk.core.wal.WalGap;
import io.pgbk.core.wal.WalPosition;
import io.pgbk.error.PgbkException;
import io.pgbk.storage.local.LocalObjectStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExpiryTest {

    private static final TimelineId TL1 = TimelineId.FIRST;
    private static final TimelineId TL2 = new TimelineId(2);
    private static final TimelineId TL3 = new TimelineId(3);
    private static final Instant NOW = Instant.parse("2026-11-29T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final Duration STALE = Duration.ofMinutes(5);

    @TempDir
    Path root;
    @TempDir
    Path lockDirectory;
    private LocalObjectStore store;
    private Repository repository;
    private SyntheticRepository synthetic;

    @BeforeEach
    void open() {
        store = new LocalObjectStore(root);
        repository = Repository.open(store, "main");
        synthetic = new SyntheticRepository(repository);
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void retentionFullKeepsTheNewestFullBackupsTheirIncrementalsAndTheWalFromTheOldestKept() {
        BackupManifest full1 = synthetic.backup("20261120T000000Z", BackupType.FULL, null, TL1, 2);
        synthetic.backup("20261121T000000Z", BackupType.INCR, full1, TL1, 3);
        synthetic.backup("20261122T000000Z", BackupType.FULL, null, TL1, 4);
        BackupManifest full3 = synthetic.backup("20261123T000000Z", BackupType.FULL, null, TL1, 6);
        synthetic.backup("20261124T000000Z", BackupType.INCR, full3, TL1, 7);
        synthetic.backup("20261125T000000Z", BackupType.FULL, null, TL1, 9);
        synthetic.segments(TL1, 1, 10);

        Expiry expiry = new Expiry(repository, policy(2, null, 1), CLOCK, STALE);
        ExpirePlan plan = expiry.plan();
        expiry.apply(plan);

        assertThat(plan.expired()).containsExactly(id("20261120T000000Z"), id("20261121T000000Z"),
                id("20261122T000000Z"));
        assertThat(new Catalog(repository).ids()).containsExactly(id("20261123T000000Z"), id("20261124T000000Z"),
                id("20261125T000000Z"));
        assertThat(repository.list("backups/20261120T000000Z/")).isEmpty();
        assertThat(repository.list("backups/20261122T000000Z/")).isEmpty();
        assertThat(synthetic.walNames()).containsExactly("000000010000000000000006", "000000010000000000000007",
                "000000010000000000000008", "000000010000000000000009", "00000001000000000000000A");
    }

    @Test
    void segmentSummariesGoWithTheirSegmentsAndSummariesOfSegmentsGoneAlreadyToo() {
        synthetic.backup("20261120T000000Z", BackupType.FULL, null, TL1, 2);
        synthetic.backup("20261122T000000Z", BackupType.FULL, null, TL1, 4);
        synthetic.segments(TL1, 2, 5);
        // segment 1 went before summaries existed for it: its summary is an orphan
        synthetic.segmentSummaries(TL1, 1, 5);

        Expiry expiry = new Expiry(repository, policy(1, null, 1), CLOCK, STALE);
        ExpirePlan plan = expiry.plan();
        expiry.apply(plan);

        assertThat(plan.walSummaryKeys()).containsExactly(
                "wal-summary/0000000100000000/000000010000000000000001",
                "wal-summary/0000000100000000/000000010000000000000002",
                "wal-summary/0000000100000000/000000010000000000000003");
        assertThat(synthetic.segmentSummaryNames()).containsExactly("000000010000000000000004",
                "000000010000000000000005");
        assertThat(synthetic.walNames()).containsExactly("000000010000000000000004", "000000010000000000000005");
    }

    @Test
    void dryRunChangesNothing() {
        synthetic.backup("20261120T000000Z", BackupType.FULL, null, TL1, 2);
        synthetic.backup("20261122T000000Z", BackupType.FULL, null, TL1, 4);
        synthetic.segments(TL1, 1, 5);
        List<String> before = synthetic.keys();

        ExpirePlan plan = new Expiry(repository, policy(1, null, 1), CLOCK, STALE).plan();

        assertThat(plan.expired()).containsExactly(id("20261120T000000Z"));
        assertThat(plan.walKeys()).hasSize(3);
        assertThat(synthetic.keys()).isEqualTo(before);
    }

    @Test
    void windowKeepsTheNewestFullBackupThatEndedBeforeTheWindowAndEverythingAfter() {
        synthetic.backup("20261119T000000Z", BackupType.FULL, null, TL1, 1);
        synthetic.backup("20261123T000000Z", BackupType.FULL, null, TL1, 2);
        synthetic.backup("20261126T000000Z", BackupType.FULL, null, TL1, 3);
        synthetic.backup("20261128T000000Z", BackupType.FULL, null, TL1, 4);

        ExpirePlan fiveDays = new Expiry(repository, policy(null, "5d", 1), CLOCK, STALE).plan();
        ExpirePlan twentyDays = new Expiry(repository, policy(null, "20d", 1), CLOCK, STALE).plan();

        assertThat(fiveDays.expired()).containsExactly(id("20261119T000000Z"));
        assertThat(twentyDays.expired()).isEmpty();
    }

    @Test
    void minimumRedundancyOverridesTheCount() {
        synthetic.backup("20261120T000000Z", BackupType.FULL, null, TL1, 1);
        synthetic.backup("20261122T000000Z", BackupType.FULL, null, TL1, 2);
        synthetic.backup("20261124T000000Z", BackupType.FULL, null, TL1, 3);

        ExpirePlan plan = new Expiry(repository, policy(1, null, 2), CLOCK, STALE).plan();

        assertThat(plan.expired()).containsExactly(id("20261120T000000Z"));
    }

    @Test
    void walIsDeletedOnlyOnTheKeptBackupsTimelineAndItsAncestors() {
        synthetic.backup("20261120T000000Z", BackupType.FULL, null, TL1, 2);
        synthetic.backup("20261124T000000Z", BackupType.FULL, null, TL2, 8);
        synthetic.segments(TL1, 1, 6);
        synthetic.segments(TL2, 6, 9);
        synthetic.segments(TL3, 3, 3); // a branch that is not on timeline 2's line
        synthetic.history(TL2, "1\t0/6000000\tno recovery target specified\n");
        synthetic.history(TL3, "1\t0/3000000\tbefore 2026-11-21\n");
        synthetic.wal("000000010000000000000002.00000028.backup");

        Expiry expiry = new Expiry(repository, policy(1, null, 1), CLOCK, STALE);
        expiry.apply(expiry.plan());

        assertThat(synthetic.walNames()).containsExactlyInAnyOrder("000000020000000000000008",
                "000000020000000000000009", "00000002.history", "000000030000000000000003", "00000003.history");
    }

    @Test
    void aGapBeforeEveryKeptBackupGoesWithItsWalAndOneAfterStays() {
        synthetic.backup("20261120T000000Z", BackupType.FULL, null, TL1, 2);
        synthetic.backup("20261124T000000Z", BackupType.FULL, null, TL1, 8);
        synthetic.segments(TL1, 2, 3);
        synthetic.segments(TL1, 6, 9); // 4 and 5 are the old gap
        synthetic.segments(TL1, 12, 12); // 10 and 11 are the new gap
        WalGap old = gap(TL1, "0/400000", TL1, "0/600000");
        WalGap recent = gap(TL1, "0/A00000", TL1, "0/C00000");
        WalGapRecords records = record(recent, old);

        Expiry expiry = new Expiry(repository, policy(1, null, 1), CLOCK, STALE);
        ExpirePlan plan = expiry.plan();
        assertThat(plan.gaps()).containsExactly(old);
        assertThat(records.list()).containsExactly(old, recent); // planned, not yet removed
        expiry.apply(plan);

        assertThat(records.list()).containsExactly(recent);
        assertThat(synthetic.walNames()).containsExactly("000000010000000000000008", "000000010000000000000009",
                "00000001000000000000000C");
    }

    @Test
    void aGapNeverMakesExpireRemoveWalAKeptBackupNeeds() {
        synthetic.backup("20261124T000000Z", BackupType.FULL, null, TL1, 5);
        synthetic.segments(TL1, 3, 3);
        synthetic.segments(TL1, 5, 5);
        synthetic.segments(TL1, 7, 7); // 6 is a gap inside the WAL the backup needs
        WalGap endingAtTheStart = gap(TL1, "0/400000", TL1, "0/500000");
        WalGap inside = gap(TL1, "0/600000", TL1, "0/700000");
        WalGapRecords records = record(endingAtTheStart, inside);

        Expiry expiry = new Expiry(repository, policy(1, null, 1), CLOCK, STALE);
        expiry.apply(expiry.plan());

        assertThat(records.list()).containsExactly(inside);
        assertThat(synthetic.walNames()).containsExactly("000000010000000000000005", "000000010000000000000007");
    }

    @Test
    void aFullBackupWithAGapInItsOwnWalDoesNotCountSoTheRestorableOneBeforeItStays() {
        synthetic.backup("20261120T000000Z", BackupType.FULL, null, TL1, 2);
        synthetic.backup("20261122T000000Z", BackupType.FULL, null, TL1, 5);
        synthetic.backup("20261124T000000Z", BackupType.FULL, null, TL1, 8);
        synthetic.segments(TL1, 1, 7);
        record(gap(TL1, "0/800000", TL1, "0/900000")); // the newest backup can never become consistent

        ExpirePlan plan = new Expiry(repository, policy(1, null, 1), CLOCK, STALE).plan();

        assertThat(plan.kept()).containsExactly(BackupId.parse("20261122T000000Z"), BackupId.parse("20261124T000000Z"));
        assertThat(plan.expired()).containsExactly(BackupId.parse("20261120T000000Z"));
        assertThat(plan.walKeys()).containsExactly("wal/0000000100000000/000000010000000000000001",
                "wal/0000000100000000/000000010000000000000002", "wal/0000000100000000/000000010000000000000003",
                "wal/0000000100000000/000000010000000000000004");
    }

    @Test
    void withoutTheHistoryFileTheAncestorsWalStays() {
        synthetic.backup("20261124T000000Z", BackupType.FULL, null, TL2, 8);
        synthetic.segments(TL1, 1, 2);
        synthetic.segments(TL2, 6, 8);

        ExpirePlan plan = new Expiry(repository, policy(1, null, 1), CLOCK, STALE).plan();

        assertThat(plan.walKeys()).containsExactly("wal/0000000200000000/000000020000000000000006",
                "wal/0000000200000000/000000020000000000000007");
    }

    @Test
    void aBackupBeingWrittenIsLeftAloneWhileItsLockIsFresh() {
        synthetic.backup("20261120T000000Z", BackupType.FULL, null, TL1, 2);
        synthetic.part(id("20261129T115900Z"));
        try (BackupLock lock = BackupLock.acquire(repository, lockDirectory, "20261129T115900Z", CLOCK, STALE)) {
            Expiry expiry = new Expiry(repository, policy(1, null, 1), CLOCK, STALE);
            ExpirePlan plan = expiry.plan();
            expiry.apply(plan);

            assertThat(plan.inProgress()).containsExactly("20261129T115900Z");
            assertThat(plan.leftovers()).isEmpty();
            assertThat(repository.list("backups/20261129T115900Z/")).hasSize(1);
        }
    }

    @Test
    void leftoversOfABackupWhoseLockIsStaleAreRemoved() {
        synthetic.backup("20261120T000000Z", BackupType.FULL, null, TL1, 2);
        synthetic.part(id("20261129T100000Z"));
        Clock then = Clock.fixed(NOW.minus(Duration.ofHours(2)), ZoneOffset.UTC);
        try (BackupLock crashed = BackupLock.acquire(repository, lockDirectory, "20261129T100000Z", then, STALE)) {
            Expiry expiry = new Expiry(repository, policy(1, null, 1), CLOCK, STALE);
            ExpirePlan plan = expiry.plan();
            expiry.apply(plan);

            assertThat(plan.inProgress()).isEmpty();
            assertThat(plan.leftovers()).containsExactly(id("20261129T100000Z"));
            assertThat(repository.list("backups/20261129T100000Z/")).isEmpty();
            assertThat(new Catalog(repository).ids()).containsExactly(id("20261120T000000Z"));
        }
    }

    @Test
    void aPolicyIsRequired() {
        assertThatThrownBy(() -> new RetentionPolicy(Optional.empty(), Optional.empty(), 1))
                .isInstanceOf(PgbkException.class).hasMessageContaining("set retention-full");
        assertThat(RetentionWindow.parse("12h").length()).isEqualTo(Duration.ofHours(12));
        assertThatThrownBy(() -> RetentionWindow.parse("7")).isInstanceOf(PgbkException.class)
                .hasMessageContaining("expected a number and a unit");
    }

    private static RetentionPolicy policy(Integer count, String window, int minimumRedundancy) {
        return new RetentionPolicy(Optional.ofNullable(count), Optional.ofNullable(window).map(RetentionWindow::parse),
                minimumRedundancy);
    }

    private static BackupId id(String text) {
        return BackupId.parse(text);
    }

    private WalGapRecords record(WalGap... gaps) {
        WalGapRecords records = new WalGapRecords(repository);
        List.of(gaps).forEach(records::write);
        return records;
    }

    private static WalGap gap(TimelineId fromTimeline, String from, TimelineId toTimeline, String to) {
        return new WalGap(new WalPosition(fromTimeline, Lsn.parse(from)), new WalPosition(toTimeline, Lsn.parse(to)),
                NOW.minusSeconds(3600), "host=pg1", "a test");
    }
}
