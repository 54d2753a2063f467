/*
 * One stored layer of a restored file's content. A full backup stores a file whole; an
 * incremental backup stores only the pages that changed since its parent, to be laid over the
 * parent's copy. A file of a backup chain is therefore a stack of layers, oldest first: at most
 * one whole layer at the bottom, then the changed pages of each newer backup. Restoring it is
 * writing each layer's pages at their offsets, oldest first, and cutting the file at the layer's
 * size (a relation VACUUM truncated), so that every part is read once, front to back.
 *
 * A whole layer is seen as a page map that lists every block, so that both kinds are written by
 * the same code. covered holds the blocks a newer layer writes again: writing or comparing them
 * here would be wasted work.
 *
 * Each layer's stored bytes are checked against their CRC32C as they pass (manifest format 3):
 * that is how restore proves a file of a chain, whose whole content no backup has read.
 */
package io.pgbk.core.restore;

import io.pgbk.core.manifest.FileData;
import io.pgbk.core.manifest.ManifestFile;
import io.pgbk.core.page.PageHeader;
import io.pgbk.core.page.PageMap;
import io.pgbk.error.PgbkException;
import java.util.BitSet;
import java.util.zip.Checksum;
import java.util.stream.IntStream;

record FileLayer(FileData data, PageMap pages, boolean whole, BitSet covered) {

    /** The layer an entry stores: its changed pages, or its whole content. */
    static FileLayer of(ManifestFile entry) {
        if (entry.isPartial()) {
            return new FileLayer(entry.data(), entry.pageMap(), false, new BitSet());
        }
        long size = entry.data().length();
        return new FileLayer(entry.data(), new PageMap(size, IntStream.range(0, (int) PageMap.blockCount(size))
                .toArray()), true, new BitSet());
    }

    /** The size the file has once this layer is applied. */
    long size() {
        return pages.fileSize();
    }

    /** About the bytes this layer puts into the file: a page for each block it holds. */
    long writtenSize() {
        return (long) pages.pageCount() * PageHeader.PAGE_SIZE;
    }

    /** This layer, knowing which of its blocks newer layers write again. */
    FileLayer coveredBy(BitSet newerBlocks) {
        return new FileLayer(data, pages, whole, (BitSet) newerBlocks.clone());
    }

    /** Adds the blocks this layer writes to blocks. */
    void addBlocksTo(BitSet blocks) {
        for (int i = 0; i < pages.pageCount(); i++) {
            blocks.set(pages.block(i));
        }
    }

    /** Whether the manifest records a checksum of the stored bytes (format 3 and later). */
    boolean isChecked() {
        return data.crc32c() != null;
    }

    /** Fails unless crc, computed over the layer's stored bytes as they passed, is the recorded one. */
    void requireIntact(Checksum crc, String file, String source) {
        String actual = FileData.crc32cText(crc);
        if (isChecked() && !actual.equals(data.crc32c())) {
            throw new PgbkException("the stored bytes of " + file + " in " + source + " have CRC32C " + actual
                    + ", the backup recorded " + data.crc32c() + ": the backup is damaged");
        }
    }

    boolean samePagesAs(FileLayer other) {
        return data.equals(other.data) && pages.equals(other.pages);
    }
}
