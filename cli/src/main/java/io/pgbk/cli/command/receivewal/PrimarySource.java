/*
 * Where receive-wal finds the primary: the leader key of a DCS (--primary-from), or one fixed
 * conninfo (--db). Only a DCS-named primary is required to be out of recovery: an operator who
 * points --db at a standby means it (cascading from a standby spares the primary).
 */
package io.pgbk.cli.command.receivewal;

import io.pgbk.cli.config.Configuration;
import io.pgbk.cli.config.Settings;
import io.pgbk.core.cluster.PrimaryLocator;
import io.pgbk.error.PgbkException;
import io.pgbk.ha.dcs.Dcs;
import io.pgbk.ha.dcs.DcsLocation;
import io.pgbk.ha.dcs.DcsPrimaryLocator;
import io.pgbk.receiver.locator.FixedPrimaryLocator;

import java.time.Clock;
import java.util.Optional;

final class PrimarySource implements AutoCloseable {

    private final PrimaryLocator locator;
    private final Optional<Dcs> dcs;
    private final String description;

    private PrimarySource(PrimaryLocator locator, Optional<Dcs> dcs, String description) {
        this.locator = locator;
        this.dcs = dcs;
        this.description = description;
    }

    static PrimarySource of(Configuration configuration, Clock clock) {
        Optional<String> location = configuration.get(Settings.PRIMARY_FROM);
        Optional<String> db = configuration.get(Settings.DB);
        if (location.isPresent() == db.isPresent()) {
            throw new PgbkException("receive-wal needs exactly one of --primary-from (a DCS) and --db (a fixed server)");
        }
        if (db.isPresent()) {
            return new PrimarySource(new FixedPrimaryLocator(db.get()), Optional.empty(), "the server given by db");
        }
        DcsLocation parsed = DcsLocation.parse(location.get());
        Dcs dcs = parsed.open();
        return new PrimarySource(new DcsPrimaryLocator(dcs, clock), Optional.of(dcs), "the leader in " + parsed);
    }

    PrimaryLocator locator() {
        return locator;
    }

    boolean followsDcs() {
        return dcs.isPresent();
    }

    @Override
    public String toString() {
        return description;
    }

    @Override
    public void close() {
        dcs.ifPresent(Dcs::close);
    }
}
