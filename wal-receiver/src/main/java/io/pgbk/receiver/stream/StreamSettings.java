/*
 * How a stream talks to the server. statusInterval: how often a status update goes out even
 * when nothing happens (pg_receivewal's --status-interval, 10 s), which is also how often the
 * spool is fsynced. receiveTimeout: silence after which the server counts as gone (half of it
 * without a message and we ask the server for a keepalive; PostgreSQL's wal_receiver_timeout
 * works the same way). synchronous: fsync and report after every batch of WAL, so that a server
 * that lists this receiver in synchronous_standby_names can release commits at once.
 */
package io.pgbk.receiver.stream;

import java.time.Duration;

public record StreamSettings(Duration statusInterval, Duration receiveTimeout, boolean synchronous) {

    public static final StreamSettings DEFAULT = new StreamSettings(Duration.ofSeconds(10), Duration.ofSeconds(60), false);

    public StreamSettings {
        if (statusInterval.isNegative() || statusInterval.isZero()) {
            throw new IllegalArgumentException("the status interval must be positive, not " + statusInterval);
        }
        if (receiveTimeout.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("the receive timeout must be at least a second, not " + receiveTimeout);
        }
    }
}
