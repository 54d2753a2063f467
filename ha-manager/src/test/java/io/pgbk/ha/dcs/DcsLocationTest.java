package io.pgbk.ha.dcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgbk.error.PgbkException;
import java.net.URI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DcsLocationTest {

    @Test
    void readsAnEtcdLocationWithTheDefaultNamespace() {
        DcsLocation location = DcsLocation.parse("etcd://10.0.0.1:2379/batman");

        assertThat(location.kind()).isEqualTo(DcsLocation.Kind.ETCD);
        assertThat(location.endpoints()).containsExactly(URI.create("http://10.0.0.1:2379"));
        assertThat(location.layout()).isEqualTo(new KeyLayout("service", "batman"));
        assertThat(location.layout().path(ClusterKey.LEADER)).isEqualTo("/service/batman/leader");
        assertThat(location.layout().memberPath("pg1")).isEqualTo("/service/batman/members/pg1");
    }

    @Test
    void readsSeveralEtcdHostsAnExplicitNamespaceAndDefaultPorts() {
        DcsLocation location = DcsLocation.parse("etcd://etcd1:2379,etcd2,[::1]:2380/pg/batman/");

        assertThat(location.endpoints()).containsExactly(
                URI.create("http://etcd1:2379"), URI.create("http://etcd2:2379"), URI.create("http://[::1]:2380"));
        assertThat(location.layout().prefix()).isEqualTo("/pg/batman/");
        assertThat(location).hasToString("etcd://etcd1:2379,etcd2:2379,[::1]:2380/pg/batman");
    }

    @Test
    void readsAConsulLocation() {
        DcsLocation location = DcsLocation.parse("consul://127.0.0.1/service/batman");

        assertThat(location.kind()).isEqualTo(DcsLocation.Kind.CONSUL);
        assertThat(location.endpoints()).containsExactly(URI.create("http://127.0.0.1:8500"));
        assertThat(location.layout().prefix()).isEqualTo("/service/batman/");
    }

    @ParameterizedTest
    @ValueSource(strings = {"etcd://host:2379", "etcd://host:2379/", "etcd://host:2379/a/b/c", "zookeeper://host/batman",
        "batman", "etcd://host:port/batman", "etcd://host:2379/x?y", "etcd://,/batman"})
    void refusesWhatIsNotALocation(String text) {
        assertThatThrownBy(() -> DcsLocation.parse(text))
                .isInstanceOf(PgbkException.class)
                .hasMessageStartingWith("invalid DCS location '" + text + "': expected etcd://");
    }

    @Test
    void refusesCredentialsWithoutRepeatingThem() {
        assertThatThrownBy(() -> DcsLocation.parse("etcd://root:s3cret@host:2379/batman"))
                .isInstanceOf(PgbkException.class)
                .hasMessage("invalid DCS location: credentials in the location are not supported")
                .message().doesNotContain("s3cret");
    }

    @Test
    void squeezesSlashesInTheNamespaceAsPatroniDoes() {
        assertThat(new KeyLayout("/service/", "batman").prefix()).isEqualTo("/service/batman/");
        assertThat(new KeyLayout("", "batman").prefix()).isEqualTo("/batman/");
    }
}
