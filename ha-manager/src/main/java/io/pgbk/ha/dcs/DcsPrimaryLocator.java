/*
 * The primary as the DCS names it: the member in the leader key, reached at the conn_url of its
 * member key. This is how the WAL receiver follows failovers in a Patroni (or pgbk HA) cluster
 * without being part of it: it only reads, and it wakes up on changes of the leader key
 * instead of polling.
 *
 * A leader whose member key has no conn_url yet (it is being written) is no primary to connect
 * to; since that write does not touch the leader key, such a state is looked at again every
 * MEMBER_RECHECK instead of waiting for a leader change that may not come.
 */
package io.pgbk.ha.dcs;

import io.pgbk.core.cluster.ClusterMember;
import io.pgbk.core.cluster.PrimaryLocator;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

public final class DcsPrimaryLocator implements PrimaryLocator {

    private static final Duration MEMBER_RECHECK = Duration.ofSeconds(1);

    private final Dcs dcs;
    private final Clock clock;

    public DcsPrimaryLocator(Dcs dcs, Clock clock) {
        this.dcs = Objects.requireNonNull(dcs, "dcs");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public Optional<ClusterMember> currentPrimary() {
        return primaryOf(dcs.readCluster());
    }

    @Override
    public Optional<ClusterMember> awaitPrimaryChange(ClusterMember known, Duration timeout) {
        Instant deadline = clock.instant().plus(timeout);
        ClusterView view = dcs.readCluster();
        while (true) {
            Optional<ClusterMember> primary = primaryOf(view);
            if (primary.isPresent() && primary.get().isDifferentPrimaryThan(known)) {
                return primary;
            }
            Duration left = Duration.between(clock.instant(), deadline);
            if (left.isNegative() || left.isZero()) {
                return Optional.empty();
            }
            boolean leaderWithoutAddress = view.leaderName().isPresent() && primary.isEmpty();
            Duration wait = leaderWithoutAddress && left.compareTo(MEMBER_RECHECK) > 0 ? MEMBER_RECHECK : left;
            Optional<ClusterView> changed = dcs.awaitLeaderChange(view, wait);
            if (changed.isPresent()) {
                view = changed.get();
            } else if (leaderWithoutAddress) {
                view = dcs.readCluster();
            }
        }
    }

    private static Optional<ClusterMember> primaryOf(ClusterView view) {
        return view.leader().flatMap(leader -> leader.connUrl()
                .map(url -> new ClusterMember(leader.name(), url, leader.timeline().orElse(0))));
    }
}
