/*
 * A WAL summary: which blocks of which relations the WAL between two LSNs may have changed,
 * built from the records' block references. An incremental backup reads only these blocks of
 * a relation file instead of all of them, then keeps those whose page LSN says they changed
 * (ChangedPageFilter): the summary narrows the pages to look at, the LSN rule still decides.
 *
 * Why a page outside the summary needs no reading: with wal_level replica or logical, every
 * change to a relation's main fork is WAL-logged with a reference to its block, and a page's
 * LSN moves only with such a record. A page no record in [parent start, this start) touched is
 * as the parent's start checkpoint left it, and the parent copied that. Changes after this
 * backup's start are replayed from its own WAL, as always.
 *
 * What changes files without block references is marked by PostgreSQL with
 * XLR_SPECIAL_REL_UPDATE ("for external tools that track modified blocks"), and summarised
 * the way PostgreSQL 17's summarizer does:
 *  - XLOG_SMGR_CREATE: the relation is new (or a relfilenode reused): every block counts;
 *  - XLOG_SMGR_TRUNCATE of the main fork: every block from the new length on counts, because
 *    the relation may grow again with pages extended without WAL where the parent had rows;
 *  - CREATE DATABASE and DROP DATABASE: every relation of that database in those tablespaces;
 *  - a commit or abort that drops relations: every block of those (a relfilenode used again
 *    gets an XLOG_SMGR_CREATE as well; PostgreSQL's summarizer marks both).
 * Any other record so marked is not understood, and the summary is refused. A parameter change
 * record to wal_level minimal (which skips WAL for new relations) is refused too.
 */
package io.pgbk.core.walsummary;

import io.pgbk.core.page.PageHeader;
import io.pgbk.core.page.PageMap;
import io.pgbk.core.pgdata.Fork;
import io.pgbk.core.pgdata.RelationFile;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

public final class ChangedBlocks {
    private static final int MAIN_FORK = 0;
    private static final int RM_XLOG_ID = 0;
    private static final int RM_XACT_ID = 1;
    private static final int RM_SMGR_ID = 2;
    private static final int RM_DBASE_ID = 4;
    private static final int XLR_SPECIAL_REL_UPDATE = 0x01;
    private static final int XLR_RMGR_INFO_MASK = 0xF0;
    private static final int XLOG_PARAMETER_CHANGE = 0x60;
    private static final int XLOG_XACT_OPMASK = 0x70;
    /** XLOG_XACT_COMMIT, _ABORT, _COMMIT_PREPARED, _ABORT_PREPARED: one layout. */
    private static final Set<Integer> ENDS_TRANSACTION = Set.of(0x00, 0x20, 0x30, 0x40);
    private static final int XLOG_XACT_HAS_INFO = 0x80;
    private static final int XACT_XINFO_HAS_DBINFO = 1;
    private static final int XACT_XINFO_HAS_SUBXACTS = 1 << 1;
    private static final int XACT_XINFO_HAS_RELFILENODES = 1 << 2;
    private static final int XLOG_SMGR_CREATE = 0x10;
    private static final int XLOG_SMGR_TRUNCATE = 0x20;
    private static final int SMGR_TRUNCATE_HEAP = 0x0001;
    private static final int XLOG_DBASE_CREATE_FILE_COPY = 0x00;
    private static final int XLOG_DBASE_CREATE_WAL_LOG = 0x10;
    private static final int XLOG_DBASE_DROP = 0x20;
    /** Offset of wal_level in xl_parameter_change, after five ints. */
    private static final int PARAMETER_WAL_LEVEL = 20;
    private static final int WAL_LEVEL_MINIMAL = 0;

    private record Relation(long tablespace, long database, long relfilenode) {
        // written out: a record's generated ones go through invokedynamic, which C1 (the
        // incremental backup's only compiler) calls slowly, and a summary looks up a relation
        // for almost every block reference

        @Override
        public int hashCode() {
            return Long.hashCode(relfilenode) * 961 + Long.hashCode(database) * 31 + Long.hashCode(tablespace);
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Relation relation && relation.relfilenode == relfilenode
                    && relation.database == database && relation.tablespace == tablespace;
        }
    }

    private record Database(long tablespace, long database) {
    }

    private final Map<Relation, BitSet> blocks = new HashMap<>();
    /** Per relation, the first block from which every block counts as changed. */
    private final Map<Relation, Long> changedFrom = new HashMap<>();
    private final Set<Database> wholeDatabases = new HashSet<>();

    ChangedBlocks() {
    }

    /** Adds what other summarised (another segment's records). */
    void add(ChangedBlocks other) {
        other.blocks.forEach((relation, touched) -> blocks.merge(relation, touched, (mine, theirs) -> {
            mine.or(theirs);
            return mine;
        }));
        other.changedFrom.forEach((relation, block) -> changedFrom.merge(relation, block, Math::min));
        wholeDatabases.addAll(other.wholeDatabases);
    }

    /**
     * The blocks of a main fork file, numbered within the file and ascending, that may differ from
     * the parent's copy: those the WAL touched, those the parent did not hold whole (the file grew,
     * or the parent's last page was incomplete) and this file's incomplete last page. Empty when
     * every block must be read.
     */
    public Optional<int[]> candidates(RelationFile file, long parentFileSize, long fileSize) {
        if (file.fork() != Fork.MAIN) {
            throw new IllegalArgumentException("WAL summaries cover main forks only, not " + file);
        }
        Relation relation = new Relation(file.tablespaceOid(), file.databaseOid(), file.relfilenode());
        long first = file.firstBlockNumber();
        long count = PageMap.blockCount(fileSize);
        long everyFrom = Math.min(parentFileSize / PageHeader.PAGE_SIZE,
                changedFrom.getOrDefault(relation, Long.MAX_VALUE) - first);
        if (fileSize % PageHeader.PAGE_SIZE != 0) {
            everyFrom = Math.min(everyFrom, count - 1);
        }
        if (everyFrom <= 0 || first + count > Integer.MAX_VALUE || wholeDatabases.contains(new Database(relation.tablespace(), relation.database()))) {
            return Optional.empty();
        }
        int[] chosen = new int[16];
        int n = 0;
        BitSet touched = blocks.getOrDefault(relation, new BitSet());
        long end = Math.min(count, everyFrom);
        for (int bit = touched.nextSetBit((int) first); bit >= 0 && bit - first < end; bit = touched.nextSetBit(bit + 1)) {
            chosen = grow(chosen, n);
            chosen[n++] = (int) (bit - first);
        }
        for (long block = everyFrom; block < count; block++) {
            chosen = grow(chosen, n);
            chosen[n++] = (int) block;
        }
        return Optional.of(Arrays.copyOf(chosen, n));
    }

    /**
     * Writes this summary as a segment's stored summary holds it (SegmentSummaries): the touched
     * blocks of each relation as a bitmap, the blocks from which all count, the whole databases.
     */
    void writeTo(DataOutput out) throws IOException {
        out.writeInt(blocks.size());
        for (Map.Entry<Relation, BitSet> entry : blocks.entrySet()) {
            writeRelation(out, entry.getKey());
            long[] words = entry.getValue().toLongArray();
            out.writeInt(words.length);
            for (long word : words) {
                out.writeLong(word);
            }
        }
        out.writeInt(changedFrom.size());
        for (Map.Entry<Relation, Long> entry : changedFrom.entrySet()) {
            writeRelation(out, entry.getKey());
            out.writeLong(entry.getValue());
        }
        out.writeInt(wholeDatabases.size());
        for (Database database : wholeDatabases) {
            out.writeInt((int) database.tablespace());
            out.writeInt((int) database.database());
        }
    }

    /** Reads what writeTo wrote; an IOException when it does not add up. */
    static ChangedBlocks readFrom(DataInput in) throws IOException {
        ChangedBlocks summary = new ChangedBlocks();
        for (int i = count(in); i > 0; i--) {
            Relation relation = readRelation(in);
            long[] words = new long[count(in)];
            for (int w = 0; w < words.length; w++) {
                words[w] = in.readLong();
            }
            summary.blocks.put(relation, BitSet.valueOf(words));
        }
        for (int i = count(in); i > 0; i--) {
            summary.changedFrom.put(readRelation(in), in.readLong());
        }
        for (int i = count(in); i > 0; i--) {
            summary.wholeDatabases.add(new Database(Integer.toUnsignedLong(in.readInt()),
                    Integer.toUnsignedLong(in.readInt())));
        }
        return summary;
    }

    private static void writeRelation(DataOutput out, Relation relation) throws IOException {
        out.writeInt((int) relation.tablespace());
        out.writeInt((int) relation.database());
        out.writeInt((int) relation.relfilenode());
    }

    private static Relation readRelation(DataInput in) throws IOException {
        return new Relation(Integer.toUnsignedLong(in.readInt()), Integer.toUnsignedLong(in.readInt()),
                Integer.toUnsignedLong(in.readInt()));
    }

    /** A count read back; BitSets are bounded by blocks of 2^31, so anything past that is damage. */
    private static int count(DataInput in) throws IOException {
        int count = in.readInt();
        if (count < 0 || count > 1 << 26) {
            throw new IOException("a count of " + count + " where a WAL summary holds at most " + (1 << 26));
        }
        return count;
    }

    /** Relations with at least one touched block (for messages). */
    public int relationCount() {
        return blocks.size();
    }

    private static int[] grow(int[] array, int used) {
        return used < array.length ? array : Arrays.copyOf(array, used * 2);
    }

    /** Collects a summary from the records a WalRecordReader visits. */
    static final class Builder implements WalRecordReader.RecordVisitor {
        private final ChangedBlocks summary = new ChangedBlocks();
        private Relation last;
        private BitSet lastBlocks;

        ChangedBlocks build() {
            return summary;
        }

        @Override
        public void block(long tablespace, long database, long relfilenode, int fork, long block) {
            if (fork != MAIN_FORK) {
                return;
            }
            if (last == null || last.relfilenode() != relfilenode || last.database() != database
                    || last.tablespace() != tablespace) {
                last = new Relation(tablespace, database, relfilenode);
                lastBlocks = summary.blocks.computeIfAbsent(last, relation -> new BitSet());
            }
            if (block > Integer.MAX_VALUE) {
                changeFrom(last, block);
            } else {
                lastBlocks.set((int) block);
            }
        }

        @Override
        public boolean wantsMainData(int resourceManager, int info) {
            return (info & XLR_SPECIAL_REL_UPDATE) != 0
                    || resourceManager == RM_XLOG_ID && (info & XLR_RMGR_INFO_MASK) == XLOG_PARAMETER_CHANGE;
        }

        @Override
        public void mainData(int resourceManager, int info, byte[] data) throws IOException {
            int kind = info & XLR_RMGR_INFO_MASK;
            if (resourceManager == RM_XLOG_ID && kind == XLOG_PARAMETER_CHANGE) {
                if (data.length >= PARAMETER_WAL_LEVEL + 4 && intAt(data, PARAMETER_WAL_LEVEL) == WAL_LEVEL_MINIMAL) {
                    throw new IOException("wal_level was set to minimal: relations created then have no WAL");
                }
            } else if (resourceManager == RM_SMGR_ID && kind == XLOG_SMGR_CREATE && data.length >= 16) {
                // xl_smgr_create: RelFileNode, fork; a visibility map or free space map created later is no news
                if (intAt(data, 12) == MAIN_FORK) {
                    changeFrom(relationAt(data, 0), 0);
                }
            } else if (resourceManager == RM_SMGR_ID && kind == XLOG_SMGR_TRUNCATE && data.length >= 20) {
                // xl_smgr_truncate: block, RelFileNode, flags
                if ((intAt(data, 16) & SMGR_TRUNCATE_HEAP) != 0) {
                    changeFrom(relationAt(data, 4), Integer.toUnsignedLong(intAt(data, 0)));
                }
            } else if (resourceManager == RM_DBASE_ID && (kind == XLOG_DBASE_CREATE_FILE_COPY
                    || kind == XLOG_DBASE_CREATE_WAL_LOG) && data.length >= 8) {
                // xl_dbase_create_*_rec: database, tablespace, ...
                summary.wholeDatabases.add(new Database(unsigned(data, 4), unsigned(data, 0)));
            } else if (resourceManager == RM_DBASE_ID && kind == XLOG_DBASE_DROP && data.length >= 8) {
                // xl_dbase_drop_rec: database, count, tablespaces
                int count = intAt(data, 4);
                if (count < 0 || data.length < 8 + 4L * count) {
                    throw new IOException("a DROP DATABASE record lists " + count + " tablespaces in "
                            + data.length + " bytes");
                }
                for (int i = 0; i < count; i++) {
                    summary.wholeDatabases.add(new Database(unsigned(data, 8 + 4 * i), unsigned(data, 0)));
                }
            } else if (resourceManager == RM_XACT_ID && ENDS_TRANSACTION.contains(kind & XLOG_XACT_OPMASK)) {
                for (Relation dropped : droppedRelations(kind, data)) {
                    changeFrom(dropped, 0);
                }
            } else {
                throw new IOException(String.format("a WAL record of resource manager %d (info 0x%02X) changes "
                        + "relation files in a way pgbk does not summarise", resourceManager, info));
            }
        }

        /**
         * The relations a commit or abort record drops (xl_xact_commit or xl_xact_abort: the time,
         * then, with XLOG_XACT_HAS_INFO, xinfo and the parts it announces in this order: database,
         * subtransactions, relations).
         */
        private static List<Relation> droppedRelations(int kind, byte[] data) throws IOException {
            int at = 8;
            int xinfo = (kind & XLOG_XACT_HAS_INFO) != 0 ? intAt(data, at) : 0;
            at += (kind & XLOG_XACT_HAS_INFO) != 0 ? 4 : 0;
            if ((xinfo & XACT_XINFO_HAS_DBINFO) != 0) {
                at += 8;
            }
            if ((xinfo & XACT_XINFO_HAS_SUBXACTS) != 0) {
                at += 4 + 4 * intAt(data, at);
            }
            if ((xinfo & XACT_XINFO_HAS_RELFILENODES) == 0) {
                return List.of();
            }
            int count = intAt(data, at);
            at += 4;
            if (count < 0 || at + 12L * count > data.length) {
                throw new IOException("a transaction record lists " + count + " dropped relations in "
                        + data.length + " bytes");
            }
            List<Relation> dropped = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                dropped.add(relationAt(data, at + 12 * i));
            }
            return dropped;
        }

        private void changeFrom(Relation relation, long block) {
            summary.changedFrom.merge(relation, block, Math::min);
        }

        private static Relation relationAt(byte[] data, int at) {
            return new Relation(unsigned(data, at), unsigned(data, at + 4), unsigned(data, at + 8));
        }

        private static long unsigned(byte[] data, int at) {
            return Integer.toUnsignedLong(intAt(data, at));
        }

        private static int intAt(byte[] data, int at) {
            return (data[at] & 0xFF) | (data[at + 1] & 0xFF) << 8 | (data[at + 2] & 0xFF) << 16
                    | (data[at + 3] & 0xFF) << 24;
        }
    }
}
