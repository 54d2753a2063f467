package io.pgbk.core.pgdata;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RelationFileTest {

    @Test
    void recognisesTheThreePlacesRelationsLive() {
        assertThat(RelationFile.parse("base/5/16384"))
                .contains(new RelationFile(1663, 5, 16384, Fork.MAIN, 0));
        assertThat(RelationFile.parse("base/16400/16384_vm.3"))
                .contains(new RelationFile(1663, 16400, 16384, Fork.VM, 3));
        assertThat(RelationFile.parse("global/1262_fsm"))
                .contains(new RelationFile(1664, 0, 1262, Fork.FSM, 0));
        assertThat(RelationFile.parse("pg_tblspc/16385/PG_15_202209061/5/16390_init"))
                .contains(new RelationFile(16385, 5, 16390, Fork.INIT, 0));
    }

    @Test
    void refusesFilesThatAreNotPages() {
        for (String path : new String[] {"global/pg_control", "global/pg_filenode.map", "base/5/PG_VERSION",
                "base/5/pg_internal.init", "base/5/t3_16384", "base/5/16384.0", "base/5/16384_foo", "base/5/16384.x",
                "base/x/16384", "pg_wal/000000010000000000000001", "base/5/99999999999", "pg_tblspc/16385/5/16390",
                "base/5", "base/5/0"}) {
            assertThat(RelationFile.parse(path)).as(path).isEmpty();
        }
    }

    @Test
    void knowsBlockNumbersOfSegmentsAndTheInitForkName() {
        RelationFile third = RelationFile.parse("base/5/16384.2").orElseThrow();
        assertThat(third.firstBlockNumber()).isEqualTo(2L * 131072);
        assertThat(third.initForkFileName()).isEqualTo("16384_init");
    }

    @Test
    void tellsDatabaseDirectoriesAndTemporaryRelations() {
        assertThat(RelationFile.isDatabaseDirectory("base/5")).isTrue();
        assertThat(RelationFile.isDatabaseDirectory("pg_tblspc/16385/PG_15_202209061/5")).isTrue();
        assertThat(RelationFile.isDatabaseDirectory("base")).isFalse();
        assertThat(RelationFile.isDatabaseDirectory("global")).isFalse();
        assertThat(RelationFile.isDatabaseDirectory("base/pgsql_tmp")).isFalse();

        assertThat(RelationFile.isTemporaryRelation("t3_16384")).isTrue();
        assertThat(RelationFile.isTemporaryRelation("t12_16384_fsm.1")).isTrue();
        assertThat(RelationFile.isTemporaryRelation("16384")).isFalse();
        assertThat(RelationFile.isTemporaryRelation("t3_")).isFalse();
    }
}
