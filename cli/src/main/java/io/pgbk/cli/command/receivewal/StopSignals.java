/*
 * SIGTERM and SIGINT as a request to stop: the receiver ends its stream, syncs the spool and
 * returns, and the command exits 0. The JVM's own handling (run the shutdown hooks, exit 143)
 * would cut the hand-off short and report a clean stop as a failure to systemd.
 * The previous handlers come back on close.
 */
package io.pgbk.cli.command.receivewal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

import java.util.LinkedHashMap;
import java.util.Map;

final class StopSignals implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StopSignals.class);

    private final Map<Signal, SignalHandler> previous = new LinkedHashMap<>();

    private StopSignals() {
    }

    static StopSignals install(Runnable stop) {
        StopSignals signals = new StopSignals();
        for (String name : new String[] {"TERM", "INT"}) {
            Signal signal = new Signal(name);
            signals.previous.put(signal, Signal.handle(signal, received -> {
                LOG.info("SIG{} received: stopping", received.getName());
                stop.run();
            }));
        }
        return signals;
    }

    @Override
    public void close() {
        previous.forEach(Signal::handle);
    }
}
