package io.pgbk.core.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgbk.core.wal.WalFileName.Kind;
import io.pgbk.error.PgbkException;
import org.junit.jupiter.api.Test;

class WalFileNameTest {

    @Test
    void classifiesTheFourKindsOfArchivedFile() {
        WalFileName segment = WalFileName.parse("000000010000000000000002");
        assertThat(segment.kind()).isEqualTo(Kind.SEGMENT);
        assertThat(segment.segment()).contains(WalSegmentName.parse("000000010000000000000002"));

        WalFileName partial = WalFileName.parse("000000020000000A000000FF.partial");
        assertThat(partial.kind()).isEqualTo(Kind.PARTIAL);
        assertThat(partial.timeline()).isEqualTo(new TimelineId(2));
        assertThat(partial.segment()).contains(WalSegmentName.parse("000000020000000A000000FF"));

        WalFileName history = WalFileName.parse("0000000A.history");
        assertThat(history.kind()).isEqualTo(Kind.HISTORY);
        assertThat(history.timeline()).isEqualTo(new TimelineId(10));
        assertThat(history.segment()).isEmpty();

        WalFileName backup = WalFileName.parse("000000010000000000000002.00000028.backup");
        assertThat(backup.kind()).isEqualTo(Kind.BACKUP_HISTORY);
        assertThat(backup.segment()).contains(WalSegmentName.parse("000000010000000000000002"));
        assertThat(backup).hasToString("000000010000000000000002.00000028.backup");
    }

    @Test
    void onlySegmentsAndPartialsCarryAHeader() {
        assertThat(Kind.SEGMENT.hasSegmentHeader()).isTrue();
        assertThat(Kind.PARTIAL.hasSegmentHeader()).isTrue();
        assertThat(Kind.HISTORY.hasSegmentHeader()).isFalse();
        assertThat(Kind.BACKUP_HISTORY.hasSegmentHeader()).isFalse();
    }

    @Test
    void refusesEverythingElseWithAClearMessage() {
        for (String bad : new String[] {"", "RECOVERYXLOG", "000000010000000000000002.zst", "0000000a.history",
                "000000010000000000000002.history", "00000001.partial", "000000010000000000000002.0000028.backup",
                "../000000010000000000000002", "000000010000000000000002/", "000000010000000000000002.partial.tmp"}) {
            assertThatThrownBy(() -> WalFileName.parse(bad)).as(bad).isInstanceOf(PgbkException.class)
                    .hasMessage("'" + bad + "' is not a WAL file name: expected a segment (000000010000000000000001), "
                            + "a .partial segment, a timeline history file (00000002.history) or a backup history "
                            + "file (000000010000000000000002.00000028.backup)");
        }
        assertThatThrownBy(() -> WalFileName.parse("00000000.history")).isInstanceOf(PgbkException.class)
                .hasMessage("'00000000.history' is not a WAL file name: timeline 0 does not exist");
    }
}
