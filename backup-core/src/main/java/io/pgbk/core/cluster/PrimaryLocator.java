/*
 * Where the primary is. The WAL receiver asks this instead of holding a fixed address so that
 * it follows failovers: a fixed conninfo answers the same member forever, the DCS-backed
 * locator (ha-manager) answers whatever the leader key names.
 */
package io.pgbk.core.cluster;

import java.time.Duration;
import java.util.Optional;

public interface PrimaryLocator {

    /** The primary now, or empty while the cluster has none (an election is under way). */
    Optional<ClusterMember> currentPrimary();

    /**
     * Blocks until a primary that {@link ClusterMember#isDifferentPrimaryThan differs} from
     * {@code known} is in place and returns it; empty when none appeared within {@code timeout}.
     * A cluster without a primary is not yet a change: the caller keeps what it has until a
     * successor is known.
     */
    Optional<ClusterMember> awaitPrimaryChange(ClusterMember known, Duration timeout);
}
