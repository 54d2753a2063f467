/*
 * Watches the PrimaryLocator while a stream is healthy. A stream from a primary that lost its
 * role does not always end by itself: after a failover the old primary may live on (fenced,
 * partitioned, or demoted slowly) and keep sending WAL that the new timeline will never have.
 * So when the locator names a different primary (another member or address; a new timeline of
 * the same node ends its stream by itself), the watch raises a flag that ends the stream at
 * once, and the receiver reconnects to the new primary.
 *
 * A DCS that cannot be reached is no reason to stop streaming: the current primary is still the
 * best source known. The watch logs it and asks again with backoff until the DCS answers.
 */
package io.pgbk.receiver;

import io.pgbk.core.cluster.ClusterMember;
import io.pgbk.core.cluster.PrimaryLocator;
import io.pgbk.error.PgbkException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

final class PrimaryWatch implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PrimaryWatch.class);
    /** The longest single wait on the locator, so that close() ends the thread soon. */
    private static final Duration WAIT = Duration.ofSeconds(1);

    private final PrimaryLocator locator;
    private final ClusterMember streamingFrom;
    private final CountDownLatch closed = new CountDownLatch(1);
    private final Thread thread;
    private volatile Optional<ClusterMember> successor = Optional.empty();

    private PrimaryWatch(PrimaryLocator locator, ClusterMember streamingFrom, Backoff backoff) {
        this.locator = locator;
        this.streamingFrom = streamingFrom;
        this.thread = new Thread(() -> watch(backoff), "pgbk-primary-watch");
        this.thread.setDaemon(true);
    }

    static PrimaryWatch start(PrimaryLocator locator, ClusterMember streamingFrom, Backoff backoff) {
        PrimaryWatch watch = new PrimaryWatch(locator, streamingFrom, backoff);
        watch.thread.start();
        return watch;
    }

    /** True once the locator named another primary: the stream from streamingFrom should end. */
    boolean primaryMoved() {
        return successor.isPresent();
    }

    @Override
    public void close() {
        closed.countDown();
    }

    private void watch(Backoff backoff) {
        boolean failing = false;
        ClusterMember known = streamingFrom;
        while (closed.getCount() > 0) {
            try {
                Optional<ClusterMember> next = locator.awaitPrimaryChange(known, WAIT);
                if (failing) {
                    LOG.info("the DCS answers again; following the primary resumes");
                    failing = false;
                    backoff = backoff.reset();
                }
                if (next.isPresent() && sameNode(next.get(), streamingFrom)) {
                    // only the published timeline moved (a promotion of this node): its stream
                    // ends by itself at the switch point
                    known = next.get();
                } else if (next.isPresent()) {
                    LOG.info("the primary is now {}, no longer {}: ending the stream", next.get().name(),
                            streamingFrom.name());
                    successor = next;
                    return;
                }
            } catch (PgbkException e) {
                LOG.warn("cannot watch the DCS: {}; still streaming from {}, asking again in {} ms", e.getMessage(),
                        streamingFrom.name(), backoff.delay().toMillis());
                failing = true;
                if (sleep(backoff.delay())) {
                    return;
                }
                backoff = backoff.next();
            }
        }
    }

    private static boolean sameNode(ClusterMember a, ClusterMember b) {
        return a.name().equals(b.name()) && a.connUrl().equals(b.connUrl());
    }

    /** True when closed during the sleep. */
    private boolean sleep(Duration delay) {
        try {
            return closed.await(delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }
}
