/*
 * The forks a relation is stored in, each a separate series of files named by a suffix of the
 * relfilenode: the main data, the free space map, the visibility map, and the init fork that
 * marks an unlogged relation (its contents replace the main fork when recovery ends).
 */
package io.pgbk.core.pgdata;

import java.util.Locale;

public enum Fork {
    MAIN(""),
    FSM("_fsm"),
    VM("_vm"),
    INIT("_init");

    private final String suffix;

    Fork(String suffix) {
        this.suffix = suffix;
    }

    /** The file name suffix after the relfilenode: "" for the main fork, else "_fsm" etc. */
    public String suffix() {
        return suffix;
    }

    static Fork ofName(String name) {
        return name == null ? MAIN : valueOf(name.toUpperCase(Locale.ROOT));
    }
}
