/*
 * One PostgreSQL node as the rest of pgbk needs to know it: a name that stays the same across
 * failovers (Patroni's member name), where to connect, and the timeline it last reported.
 *
 * The timeline is what a member last published, not a promise: it lags a promotion by one HA
 * loop, so consumers confirm it with IDENTIFY_SYSTEM once connected. 0, PostgreSQL's invalid
 * timeline, means the source did not say.
 */
package io.pgbk.core.cluster;

import java.util.Objects;

public record ClusterMember(String name, String connUrl, long timeline) {

    public ClusterMember {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(connUrl, "connUrl");
        if (timeline < 0) {
            throw new IllegalArgumentException("timeline must not be negative: " + timeline);
        }
    }

    public boolean timelineKnown() {
        return timeline > 0;
    }

    /**
     * Whether {@code other} is a different primary from this one: another node, another address,
     * or a new timeline on the same node. A timeline that only one side knows is no evidence of
     * a switch (a member publishes it one loop after starting).
     */
    public boolean isDifferentPrimaryThan(ClusterMember other) {
        return !name.equals(other.name)
                || !connUrl.equals(other.connUrl)
                || (timelineKnown() && other.timelineKnown() && timeline != other.timeline);
    }
}
