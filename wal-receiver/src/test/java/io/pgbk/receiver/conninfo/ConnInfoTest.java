package io.pgbk.receiver.conninfo;

import io.pgbk.error.PgbkException;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConnInfoTest {

    @Test
    void parsesKeywordValuePairsWithQuotesAndEscapes() {
        ConnInfo info = ConnInfo.parse("host=db1 port = 6543 user=rep dbname='my db' password='it\\'s secret'", Map.of());

        assertThat(info.host()).isEqualTo("db1");
        assertThat(info.port()).isEqualTo(6543);
        assertThat(info.user()).isEqualTo("rep");
        assertThat(info.dbname()).isEqualTo("my db");
        assertThat(info.password()).contains("it's secret");
    }

    @Test
    void parsesPatroniStyleUris() {
        ConnInfo info = ConnInfo.parse("postgres://replicator:p%40ss@10.0.0.5:5433/postgres?sslmode=disable", Map.of());

        assertThat(info.host()).isEqualTo("10.0.0.5");
        assertThat(info.port()).isEqualTo(5433);
        assertThat(info.user()).isEqualTo("replicator");
        assertThat(info.password()).contains("p@ss");
        assertThat(info.dbname()).isEqualTo("postgres");
        assertThat(info.option("sslmode")).contains("disable");
    }

    @Test
    void parsesIpv6UriHosts() {
        ConnInfo info = ConnInfo.parse("postgresql://[::1]:5432/postgres", Map.of("PGUSER", "u"));

        assertThat(info.host()).isEqualTo("::1");
        assertThat(info.port()).isEqualTo(5432);
    }

    @Test
    void fillsGapsFromTheEnvironmentThenLibpqDefaults() {
        ConnInfo fromEnvironment = ConnInfo.parse("", Map.of("PGHOST", "envhost", "PGPORT", "7000", "PGUSER", "envuser"));
        ConnInfo defaults = ConnInfo.parse("user=alice", Map.of());

        assertThat(fromEnvironment.host()).isEqualTo("envhost");
        assertThat(fromEnvironment.port()).isEqualTo(7000);
        assertThat(fromEnvironment.user()).isEqualTo("envuser");
        assertThat(fromEnvironment.dbname()).isEqualTo("envuser");
        assertThat(defaults.host()).isEqualTo("localhost");
        assertThat(defaults.port()).isEqualTo(5432);
        assertThat(defaults.dbname()).isEqualTo("alice");
    }

    @Test
    void neverShowsThePassword() {
        ConnInfo info = ConnInfo.parse("host=db1 user=rep password=hunter2", Map.of());

        assertThat(info.toString()).doesNotContain("hunter2").contains("host=db1");
        assertThat(info.describe()).doesNotContain("hunter2");
    }

    @Test
    void refusesWhatItCannotHonour() {
        assertThatThrownBy(() -> ConnInfo.parse("host=db1 port=abc", Map.of()))
                .isInstanceOf(PgbkException.class).hasMessageContaining("port");
        assertThatThrownBy(() -> ConnInfo.parse("host=db1 bogus=1", Map.of()))
                .isInstanceOf(PgbkException.class).hasMessageContaining("bogus");
        assertThatThrownBy(() -> ConnInfo.parse("host=/var/run/postgresql", Map.of()))
                .isInstanceOf(PgbkException.class).hasMessageContaining("Unix socket");
        assertThatThrownBy(() -> ConnInfo.parse("host='db1", Map.of()))
                .isInstanceOf(PgbkException.class).hasMessageContaining("unterminated");
        assertThatThrownBy(() -> ConnInfo.parse("host db1", Map.of()))
                .isInstanceOf(PgbkException.class).hasMessageContaining("=");
    }
}
