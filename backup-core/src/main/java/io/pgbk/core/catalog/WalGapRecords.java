/*
 * The WAL gap records of a repository (io.pgbk.core.wal.WalGap, one object each under
 * wal-gaps/): the receiver writes them, pgbk check and list report them, restore refuses to
 * replay across them, and expire removes them with the WAL they concern. Read on each call, as
 * the receiver may add one at any time.
 */
package io.pgbk.core.catalog;

import io.pgbk.core.codec.Compression;
import io.pgbk.core.repo.Repository;
import io.pgbk.core.seal.SealingInputStream;
import io.pgbk.core.seal.UnsealingInputStream;
import io.pgbk.core.wal.WalGap;
import io.pgbk.core.wal.WalPosition;
import io.pgbk.error.PgbkException;
import io.pgbk.storage.ObjectInfo;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

public final class WalGapRecords {

    private final Repository repository;

    public WalGapRecords(Repository repository) {
        this.repository = repository;
    }

    /** Every recorded gap, in WAL order. */
    public List<WalGap> list() {
        List<WalGap> gaps = new ArrayList<>();
        for (ObjectInfo object : repository.list(WalGap.KEY_PREFIX)) {
            String name = repository.objectName(object.key());
            Optional<UnsealingInputStream> record = repository.get(object.key());
            if (record.isEmpty()) {
                continue; // removed by expire since the listing
            }
            try (UnsealingInputStream in = record.get()) {
                gaps.add(WalGap.fromJson(in.readAllBytes(), name));
            } catch (IOException e) {
                throw new PgbkException("cannot read " + name + ": " + e.getMessage(), e);
            }
        }
        gaps.sort(Comparator.comparing(WalGap::from, WalPosition.PROGRESS));
        return gaps;
    }

    /** Records a gap; a record of the same starting point is kept as it is. */
    public void write(WalGap gap) {
        try {
            repository.putIfAbsent(gap.key(), new SealingInputStream(new ByteArrayInputStream(gap.toJson()),
                    Compression.NONE));
        } catch (IOException e) {
            throw new PgbkException("cannot record " + gap + " in " + repository.describe() + ": " + e.getMessage(), e);
        }
    }

    public void delete(WalGap gap) {
        repository.delete(gap.key());
    }
}
