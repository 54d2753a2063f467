package io.pgbk.receiver.replication;

import io.pgbk.core.wal.Lsn;
import io.pgbk.error.PgbkException;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StreamMessageTest {

    @Test
    void decodesWalData() {
        byte[] payload = ByteBuffer.allocate(1 + 24 + 3).put((byte) 'w').putLong(0x1_0000_0010L).putLong(0x1_0000_0100L)
                .putLong(42).put(new byte[] {7, 8, 9}).array();

        StreamMessage.XLogData data = (StreamMessage.XLogData) StreamMessage.decode(payload);

        assertThat(data.walStart()).isEqualTo(Lsn.parse("1/10"));
        assertThat(data.walEnd()).isEqualTo(Lsn.parse("1/100"));
        assertThat(data.sendTime().microsSince2000()).isEqualTo(42);
        assertThat(data.dataEnd()).isEqualTo(Lsn.parse("1/13"));
        byte[] bytes = new byte[data.data().remaining()];
        data.data().get(bytes);
        assertThat(bytes).containsExactly(7, 8, 9);
    }

    @Test
    void decodesKeepalives() {
        byte[] payload = ByteBuffer.allocate(18).put((byte) 'k').putLong(0x3000000L).putLong(5).put((byte) 1).array();

        StreamMessage.Keepalive keepalive = (StreamMessage.Keepalive) StreamMessage.decode(payload);

        assertThat(keepalive.walEnd()).isEqualTo(Lsn.parse("0/3000000"));
        assertThat(keepalive.replyRequested()).isTrue();
    }

    @Test
    void refusesUnknownAndTruncatedMessages() {
        assertThatThrownBy(() -> StreamMessage.decode(new byte[] {'x'})).isInstanceOf(PgbkException.class);
        assertThatThrownBy(() -> StreamMessage.decode(new byte[] {'k', 0, 0})).isInstanceOf(PgbkException.class)
                .hasMessageContaining("truncated");
        assertThatThrownBy(() -> StreamMessage.decode(new byte[0])).isInstanceOf(PgbkException.class);
    }

    @Test
    void encodesStatusUpdatesAsPostgresExpects() {
        Instant clock = Instant.parse("2000-01-01T00:00:01Z");
        byte[] encoded = new StandbyStatus(Lsn.parse("0/300"), Lsn.parse("0/200"), Lsn.INVALID,
                PgTimestamp.of(clock), true).encode();

        ByteBuffer buffer = ByteBuffer.wrap(encoded);
        assertThat(encoded).hasSize(34);
        assertThat(buffer.get()).isEqualTo((byte) 'r');
        assertThat(buffer.getLong()).isEqualTo(0x300);
        assertThat(buffer.getLong()).isEqualTo(0x200);
        assertThat(buffer.getLong()).isZero();
        assertThat(buffer.getLong()).isEqualTo(1_000_000);
        assertThat(buffer.get()).isEqualTo((byte) 1);
        assertThat(PgTimestamp.of(clock).toInstant()).isEqualTo(clock);
    }
}
