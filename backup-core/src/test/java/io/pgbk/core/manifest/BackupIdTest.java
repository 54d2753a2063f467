package io.pgbk.core.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgbk.error.PgbkException;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class BackupIdTest {

    @Test
    void isTheUtcSecondAndSortsByTime() {
        BackupId id = BackupId.at(Instant.parse("2026-11-29T02:15:00.987Z"));

        assertThat(id.toString()).isEqualTo("20261129T021500Z");
        assertThat(id.time()).isEqualTo(Instant.parse("2026-11-29T02:15:00Z"));
        assertThat(id.next()).isEqualTo(BackupId.parse("20261129T021501Z"));
        assertThat(Stream.of("20270101T000000Z", "20261129T021500Z", "20261231T235959Z").map(BackupId::parse).sorted()
                .map(BackupId::toString).toList())
                .isEqualTo(List.of("20261129T021500Z", "20261231T235959Z", "20270101T000000Z"));
    }

    @Test
    void refusesWhatIsNotAnId() {
        for (String text : new String[] {"latest", "20261129-021500F", "20261339T021500Z", "", null}) {
            assertThatThrownBy(() -> BackupId.parse(text)).isInstanceOf(PgbkException.class)
                    .hasMessageStartingWith("invalid backup id '" + text + "'");
        }
    }

    @Test
    void partKeysHaveFourDigitsAtLeast() {
        BackupId id = BackupId.parse("20261129T021500Z");
        assertThat(BackupManifest.partKey(id, 0)).isEqualTo("backups/20261129T021500Z/parts/0000.tar");
        assertThat(BackupManifest.partKey(id, 42)).isEqualTo("backups/20261129T021500Z/parts/0042.tar");
        assertThat(BackupManifest.partKey(id, 12345)).isEqualTo("backups/20261129T021500Z/parts/12345.tar");
    }
}
