package io.pgbk.testkit.os;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one JVM shutdown hook that stops the servers tests forgot (or could not) stop: a test
 * aborted by a timeout, a fork that surefire tells to exit, a developer pressing Ctrl-C. A server
 * registers its emergency stop when it starts and withdraws it when it stops normally.
 *
 * <p>The registry is process-wide state on purpose: a JVM has one exit. The stops run one after
 * another on the hook thread without taking any lock a test thread might hold, so exit never waits
 * on a test that is stuck.
 */
public final class StopAtExit {

    private static final Logger LOG = LoggerFactory.getLogger(StopAtExit.class);
    private static final Map<Long, Registration> PENDING = new ConcurrentHashMap<>();
    private static final AtomicLong NEXT_ID = new AtomicLong();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(StopAtExit::stopAll, "pgbk-testkit-stop-at-exit"));
    }

    private StopAtExit() {
    }

    /** Runs {@code stop} at JVM exit unless the returned registration is closed first. */
    public static Registration register(String what, Runnable stop) {
        Registration registration = new Registration(NEXT_ID.incrementAndGet(), what, stop);
        PENDING.put(registration.id(), registration);
        return registration;
    }

    private static void stopAll() {
        for (Registration registration : PENDING.values()) {
            try {
                LOG.warn("stopping {} at JVM exit: it was not closed", registration.what());
                registration.stop().run();
            } catch (RuntimeException e) {
                LOG.warn("could not stop {} at JVM exit", registration.what(), e);
            }
        }
    }

    /** A pending emergency stop; closing it withdraws the stop, it does not run it. */
    public record Registration(long id, String what, Runnable stop) implements AutoCloseable {
        @Override
        public void close() {
            PENDING.remove(id);
        }
    }
}
