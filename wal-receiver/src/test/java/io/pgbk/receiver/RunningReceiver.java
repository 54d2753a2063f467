package io.pgbk.receiver;

import java.time.Duration;

/** A WalReceiver on its own thread for one test; closing stops it and waits for the thread. */
final class RunningReceiver implements AutoCloseable {

    private final WalReceiver receiver;
    private final Thread thread;

    RunningReceiver(WalReceiver receiver) {
        this.receiver = receiver;
        this.thread = new Thread(receiver, "test-wal-receiver");
        thread.start();
    }

    WalReceiver receiver() {
        return receiver;
    }

    @Override
    public void close() throws InterruptedException {
        receiver.stop();
        thread.join(Duration.ofSeconds(60).toMillis());
        if (thread.isAlive()) {
            throw new AssertionError("the receiver did not stop within 60 s");
        }
    }
}
