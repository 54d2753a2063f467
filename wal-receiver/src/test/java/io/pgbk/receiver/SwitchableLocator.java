package io.pgbk.receiver;

import io.pgbk.core.cluster.ClusterMember;
import io.pgbk.core.cluster.PrimaryLocator;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/** A DCS stand-in: the test names the primary and changes it, as a failover would. */
final class SwitchableLocator implements PrimaryLocator {

    private final AtomicReference<ClusterMember> primary;

    SwitchableLocator(String name, String conninfo) {
        primary = new AtomicReference<>(new ClusterMember(name, conninfo, 0));
    }

    void switchTo(String name, String conninfo) {
        synchronized (this) {
            primary.set(new ClusterMember(name, conninfo, 0));
            notifyAll();
        }
    }

    @Override
    public Optional<ClusterMember> currentPrimary() {
        return Optional.of(primary.get());
    }

    @Override
    public synchronized Optional<ClusterMember> awaitPrimaryChange(ClusterMember known, Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        while (!primary.get().isDifferentPrimaryThan(known)) {
            long left = end - System.nanoTime();
            if (left <= 0) {
                return Optional.empty();
            }
            try {
                wait(Math.max(1, left / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
        return Optional.of(primary.get());
    }
}
