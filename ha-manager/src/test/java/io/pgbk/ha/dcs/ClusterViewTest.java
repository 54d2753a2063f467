package io.pgbk.ha.dcs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClusterViewTest {

    private final ObjectMapper mapper = new ObjectMapper();

    @Test
    void buildsTheViewFromPatronisKeys() {
        ClusterView view = ClusterView.of(42, List.of(
                new StoredValue("leader", "pg2", 40),
                new StoredValue("members/pg2", "{\"conn_url\":\"postgres://10.0.0.2:5432/postgres\",\"role\":\"master\","
                        + "\"timeline\":4,\"xlog_location\":83886240}", 41),
                new StoredValue("members/pg1", "{\"conn_url\":\"postgres://10.0.0.1:5432/postgres\",\"role\":\"replica\"}", 39),
                new StoredValue("sync", "{\"leader\":\"pg2\",\"sync_standby\":\"pg1\"}", 30),
                new StoredValue("optime/leader", "83886240", 41),
                new StoredValue("members/pg1/extra", "ignored", 12)), mapper);

        assertThat(view.index()).isEqualTo(42);
        assertThat(view.leaderVersion()).isEqualTo(40);
        assertThat(view.members()).extracting(Member::name).containsExactly("pg1", "pg2");
        Member leader = view.leader().orElseThrow();
        assertThat(leader.name()).isEqualTo("pg2");
        assertThat(leader.connUrl()).contains("postgres://10.0.0.2:5432/postgres");
        assertThat(leader.timeline()).hasValue(4);
        assertThat(leader.xlogLocation()).hasValue(83886240);
        assertThat(view.value(ClusterKey.SYNC)).contains("{\"leader\":\"pg2\",\"sync_standby\":\"pg1\"}");
        assertThat(view.value(ClusterKey.FAILOVER)).isEmpty();
    }

    @Test
    void aLeaderWithoutItsMemberKeyIsStillNamed() {
        ClusterView view = ClusterView.of(7, List.of(new StoredValue("leader", "pg3", 7)), mapper);

        assertThat(view.leader().map(Member::name)).contains("pg3");
        assertThat(view.leader().flatMap(Member::connUrl)).isEmpty();
    }

    @Test
    void aMemberKeyThatIsNotJsonYieldsAMemberWithoutData() {
        ClusterView view = ClusterView.of(7, List.of(new StoredValue("members/pg1", "{broken", 7),
                new StoredValue("members/pg2", "[1,2]", 7)), mapper);

        assertThat(view.members()).extracting(Member::data).containsOnly(Map.of());
    }

    @Test
    void buildsTheConnectionUrlFromConnKwargsLikePatroni() {
        Member member = Member.fromJson("pg1", "{\"conn_kwargs\":{\"host\":\"10.0.0.1\",\"port\":5433,\"dbname\":\"postgres\"}}",
                mapper);

        assertThat(member.connUrl()).contains("postgresql://10.0.0.1:5433");
    }
}
