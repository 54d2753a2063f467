/*
 * A primary that never moves: one conninfo given by the operator (pgbk receive-wal --source).
 * Without a DCS there is nothing to watch, so a "change" never comes; the receiver simply
 * reconnects to the same address after a failure, and learns of a promotion there through
 * IDENTIFY_SYSTEM.
 */
package io.pgbk.receiver.locator;

import io.pgbk.core.cluster.ClusterMember;
import io.pgbk.core.cluster.PrimaryLocator;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

public final class FixedPrimaryLocator implements PrimaryLocator {

    private final ClusterMember primary;
    /** Never counted down: waiting on it is a sleep that an interrupt ends. */
    private final CountDownLatch never = new CountDownLatch(1);

    public FixedPrimaryLocator(String conninfo) {
        this.primary = new ClusterMember("primary", conninfo, 0);
    }

    @Override
    public Optional<ClusterMember> currentPrimary() {
        return Optional.of(primary);
    }

    @Override
    public Optional<ClusterMember> awaitPrimaryChange(ClusterMember known, Duration timeout) {
        try {
            never.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Optional.empty();
    }
}
