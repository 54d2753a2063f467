package io.pgbk.core.walsummary;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgbk.core.pgdata.RelationFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class ChangedBlocksTest {
    private static final int PAGE = 8192;
    private static final int SPECIAL = 0x01;
    private static final RelationFile MAIN = RelationFile.parse("base/5/16384").orElseThrow();
    private static final RelationFile SECOND_SEGMENT = RelationFile.parse("base/5/16384.1").orElseThrow();
    private static final RelationFile OTHER = RelationFile.parse("base/5/16390").orElseThrow();

    private final ChangedBlocks.Builder builder = new ChangedBlocks.Builder();

    @Test
    void blocksTouchedInTheMainForkAreCandidatesOfTheirSegmentFile() {
        builder.block(1663, 5, 16384, 0, 3);
        builder.block(1663, 5, 16384, 0, 131072 + 7);
        builder.block(1663, 5, 16384, 2, 9); // the visibility map's block 9: not the main fork's
        ChangedBlocks summary = builder.build();

        assertThat(summary.candidates(MAIN, 20 * PAGE, 20 * PAGE)).hasValueSatisfying(
                blocks -> assertThat(blocks).containsExactly(3));
        assertThat(summary.candidates(SECOND_SEGMENT, 20 * PAGE, 20 * PAGE)).hasValueSatisfying(
                blocks -> assertThat(blocks).containsExactly(7));
        assertThat(summary.candidates(OTHER, 20 * PAGE, 20 * PAGE)).hasValueSatisfying(
                blocks -> assertThat(blocks).isEmpty());
    }

    @Test
    void pagesTheParentDidNotHoldWholeAreCandidates() {
        builder.block(1663, 5, 16384, 0, 1);
        ChangedBlocks summary = builder.build();

        assertThat(summary.candidates(MAIN, 10 * PAGE, 12 * PAGE)).hasValueSatisfying(
                blocks -> assertThat(blocks).containsExactly(1, 10, 11));
        assertThat(summary.candidates(MAIN, 10 * PAGE - 100, 10 * PAGE)).as("the parent's last page was incomplete")
                .hasValueSatisfying(blocks -> assertThat(blocks).containsExactly(1, 9));
        assertThat(summary.candidates(MAIN, 20 * PAGE, 10 * PAGE + 100)).as("this file's last page is incomplete")
                .hasValueSatisfying(blocks -> assertThat(blocks).containsExactly(1, 10));
    }

    @Test
    void aTruncationMakesEveryBlockFromTheNewLengthOnACandidate() throws IOException {
        // xl_smgr_truncate: block 4, base/5/16384, SMGR_TRUNCATE_HEAP
        builder.mainData(2, 0x20 | SPECIAL, ints(4, 1663, 5, 16384, 1));
        // only the visibility map truncated: the main fork keeps its pages
        builder.mainData(2, 0x20 | SPECIAL, ints(2, 1663, 5, 16390, 2));
        ChangedBlocks summary = builder.build();

        assertThat(summary.candidates(MAIN, 10 * PAGE, 10 * PAGE)).hasValueSatisfying(
                blocks -> assertThat(blocks).containsExactly(4, 5, 6, 7, 8, 9));
        assertThat(summary.candidates(SECOND_SEGMENT, 10 * PAGE, 10 * PAGE)).as("past the truncation: whole")
                .isEmpty();
        assertThat(summary.candidates(OTHER, 10 * PAGE, 10 * PAGE)).hasValueSatisfying(
                blocks -> assertThat(blocks).isEmpty());
    }

    @Test
    void createdAndDroppedRelationsAndDatabasesCountWhole() throws IOException {
        builder.mainData(2, 0x10 | SPECIAL, ints(1663, 5, 16384, 0)); // XLOG_SMGR_CREATE of the main fork
        builder.mainData(2, 0x10 | SPECIAL, ints(1663, 5, 16390, 2)); // of a visibility map only
        ChangedBlocks created = builder.build();
        assertThat(created.candidates(MAIN, PAGE, PAGE)).isEmpty();
        assertThat(created.candidates(OTHER, PAGE, PAGE)).isPresent();

        ChangedBlocks.Builder dropping = new ChangedBlocks.Builder();
        // xl_xact_commit with XLOG_XACT_HAS_INFO: time, xinfo (database, relations), database, 1 relation
        ByteBuffer commit = ByteBuffer.allocate(8 + 4 + 8 + 4 + 12).order(ByteOrder.LITTLE_ENDIAN);
        commit.putLong(0).putInt(1 | 4).putInt(5).putInt(1663).putInt(1).putInt(1663).putInt(5).putInt(16390);
        dropping.mainData(1, 0x80 | SPECIAL, commit.array());
        ChangedBlocks dropped = dropping.build();
        assertThat(dropped.candidates(OTHER, PAGE, PAGE)).isEmpty();
        assertThat(dropped.candidates(MAIN, PAGE, PAGE)).isPresent();

        ChangedBlocks.Builder database = new ChangedBlocks.Builder();
        database.mainData(4, 0x10 | SPECIAL, ints(5, 1663)); // CREATE DATABASE (WAL_LOG): database 5 in 1663
        assertThat(database.build().candidates(MAIN, PAGE, PAGE)).isEmpty();
    }

    @Test
    void recordsItDoesNotUnderstandAndWalLevelMinimalRefuseTheSummary() {
        assertThatThrownBy(() -> builder.mainData(9, 0x70 | SPECIAL, new byte[8]))
                .isInstanceOf(IOException.class).hasMessageContaining("resource manager 9");
        assertThatThrownBy(() -> builder.mainData(0, 0x60, ints(100, 8, 10, 0, 64, 0, 0)))
                .isInstanceOf(IOException.class).hasMessageContaining("wal_level");
    }

    private static byte[] ints(int... values) {
        ByteBuffer buffer = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int value : values) {
            buffer.putInt(value);
        }
        return buffer.array();
    }
}
