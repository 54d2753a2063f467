/*
 * A snapshot of one cluster's keys, read in one request: who holds the leader key, every member
 * with its data, and the other Patroni keys as their raw text (they are Patroni's JSON
 * documents; the HA manager interprets them, a reader like the WAL receiver does not need to).
 *
 * index is the backend's position at the time of the read (etcd's revision, Consul's
 * X-Consul-Index): waiting for a change "after this view" starts from it, so a change that
 * lands between the read and the wait is not missed. leaderVersion is the leader key's own
 * modification counter, 0 without a leader: it changes when the key is created, rewritten or
 * deleted, and not when its owner merely keeps it alive.
 */
package io.pgbk.ha.dcs;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

public record ClusterView(long index, Optional<String> leaderName, long leaderVersion, List<Member> members,
                          Map<ClusterKey, String> values) {

    public ClusterView {
        Objects.requireNonNull(leaderName, "leaderName");
        members = List.copyOf(members);
        values = Map.copyOf(values);
    }

    /** Builds the view from the keys below the cluster prefix, as Patroni's _cluster_from_nodes does. */
    public static ClusterView of(long index, Collection<StoredValue> keys, ObjectMapper mapper) {
        Map<ClusterKey, String> values = new EnumMap<>(ClusterKey.class);
        Optional<String> leaderName = Optional.empty();
        long leaderVersion = 0;
        List<Member> members = new ArrayList<>();
        for (StoredValue stored : keys) {
            Optional<String> memberName = KeyLayout.memberName(stored.relativeKey());
            if (memberName.isPresent()) {
                members.add(Member.fromJson(memberName.get(), stored.value(), mapper));
                continue;
            }
            for (ClusterKey key : ClusterKey.values()) {
                if (key.key().equals(stored.relativeKey())) {
                    values.put(key, stored.value());
                    if (key == ClusterKey.LEADER) {
                        leaderName = Optional.of(stored.value()).filter(name -> !name.isEmpty());
                        leaderVersion = stored.version();
                    }
                }
            }
        }
        members.sort(Comparator.comparing(Member::name));
        return new ClusterView(index, leaderName, leaderVersion, members, values);
    }

    /**
     * The leader's member entry. A leader key whose member key is missing (it expired, or the
     * leader has not written it yet) still names the leader: it comes back without data.
     */
    public Optional<Member> leader() {
        return leaderName.map(name -> member(name).orElseGet(() -> new Member(name, Map.of())));
    }

    public Optional<Member> member(String name) {
        return members.stream().filter(m -> m.name().equals(name)).findFirst();
    }

    /** A key's raw value; for the leader key that is the leader's name. */
    public Optional<String> value(ClusterKey key) {
        return Optional.ofNullable(values.get(key));
    }

    /** Nothing is stored for the cluster: it was never initialized, or it was removed. */
    public boolean isEmpty() {
        return members.isEmpty() && values.isEmpty();
    }
}
