package io.pgbk.core.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgbk.testkit.Poll;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class ChunkPipeTest {

    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    @Test
    void passesEveryByteInOrderWhateverTheWriteAndReadSizes() throws Exception {
        byte[] content = new byte[3_000_001];
        new Random(7).nextBytes(content);
        ChunkPipe pipe = new ChunkPipe(3, 4096);
        Future<Void> writer = threads.submit(() -> {
            Random sizes = new Random(11);
            try (OutputStream out = pipe.sink()) {
                int offset = 0;
                while (offset < content.length) {
                    if (sizes.nextInt(50) == 0) {
                        out.write(content[offset++]);
                        continue;
                    }
                    int n = Math.min(content.length - offset, sizes.nextInt(20_000));
                    out.write(content, offset, n);
                    offset += n;
                    if (sizes.nextInt(20) == 0) {
                        out.flush();
                    }
                }
            }
            return null;
        });

        byte[] read = readInOddPieces(pipe.source(), content.length);

        writer.get();
        assertThat(read).isEqualTo(content);
        assertThat(pipe.source().read()).isEqualTo(-1);
        assertThat(pipe.isBroken()).isFalse();
    }

    @Test
    void aReaderSeesDataFlushedBeforeTheChunkIsFull() throws Exception {
        ChunkPipe pipe = new ChunkPipe(2, 1024 * 1024);
        pipe.sink().write(new byte[] {1, 2, 3});
        pipe.sink().flush();

        byte[] three = new byte[3];
        assertThat(threads.submit(() -> pipe.source().read(three)).get()).isEqualTo(3);
        assertThat(three).containsExactly(1, 2, 3);
    }

    @Test
    void closingTheReadingEndWakesAndFailsAWriterWaitingForSpace() throws Exception {
        ChunkPipe pipe = new ChunkPipe(2, 16);
        CompletableFuture<Long> written = new CompletableFuture<>();
        Future<?> writer = threads.submit(() -> {
            long total = 0;
            try {
                while (true) {
                    pipe.sink().write(new byte[8]);
                    total += 8;
                }
            } catch (IOException e) {
                written.complete(total);
                throw e;
            }
        });
        awaitBlocked(writer, pipe);

        pipe.closeReadingEnd();

        assertThat(written.get()).isEqualTo(32); // two chunks filled, then the wait for a free one
        assertThat(pipe.isBroken()).isTrue();
        assertThatThrownBy(writer::get).hasCauseInstanceOf(IOException.class)
                .hasMessageContaining("the pipe's reading end is closed");
    }

    @Test
    void aReaderWaitingForDataEndsWithAnIoErrorWhenInterrupted() throws Exception {
        ChunkPipe pipe = new ChunkPipe(2, 16);
        Future<Integer> reader = threads.submit(() -> pipe.source().read(new byte[4]));
        awaitBlocked(reader, pipe);

        threads.shutdownNow();

        assertThatThrownBy(reader::get).hasCauseInstanceOf(InterruptedIOException.class);
    }

    @Test
    void aClosedWriterEndsTheStreamAfterWhatItWrote() throws IOException {
        ChunkPipe pipe = new ChunkPipe(2, 16);
        pipe.sink().write(new byte[] {9, 8});
        pipe.sink().close();

        assertThat(pipe.source().readAllBytes()).containsExactly(9, 8);
        assertThatThrownBy(() -> pipe.sink().write(1)).isInstanceOf(IOException.class)
                .hasMessageContaining("closed pipe");
    }

    private static byte[] readInOddPieces(InputStream in, int length) throws IOException {
        byte[] read = new byte[length];
        Random sizes = new Random(13);
        int offset = 0;
        int n;
        while ((n = in.read(read, offset, Math.min(length - offset, 1 + sizes.nextInt(30_000)))) > 0) {
            offset += n;
        }
        assertThat(offset).isEqualTo(length);
        return read;
    }

    /** Polls until the task's thread waits inside the pipe (neither done nor runnable). */
    private static void awaitBlocked(Future<?> task, ChunkPipe pipe) {
        new Poll(Duration.ofSeconds(10)).until("a thread to wait on " + pipe, () -> {
            assertThat(task.isDone()).as("the task ended instead of waiting on the pipe").isFalse();
            return Thread.getAllStackTraces().entrySet().stream()
                    .filter(e -> e.getKey().getState() == Thread.State.WAITING)
                    .anyMatch(e -> Arrays.stream(e.getValue())
                            .anyMatch(frame -> frame.getClassName().startsWith(ChunkPipe.class.getName())));
        });
    }
}
