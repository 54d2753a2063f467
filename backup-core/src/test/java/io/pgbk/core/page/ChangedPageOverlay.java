/*
 * The inverse of ChangedPageFilter, as a test oracle: the file as it was when the incremental
 * backup read it, streamed by laying the changed pages over the parent's copy. Restore applies
 * layers in place instead (io.pgbk.core.restore.LayerWriter); tests rebuild files this
 * independent way to check what a backup stored. Both inputs are read once, front to back, so the
 * parent may itself be an overlay (a chain of incrementals).
 */
package io.pgbk.core.page;

import io.pgbk.error.PgbkException;
import java.io.IOException;
import java.io.InputStream;

public final class ChangedPageOverlay extends PageStream {
    private final InputStream parent;
    private final InputStream changedPages;
    private final PageMap map;
    private final String file;
    private long block;
    private int nextChanged;

    /**
     * @param parent       the file as the parent backup holds it (the whole file, any length)
     * @param changedPages the pages the incremental backup stored, as ChangedPageFilter passed them
     * @param map          their block numbers and the file's size
     * @param file         the file's path, for messages
     */
    public ChangedPageOverlay(InputStream parent, InputStream changedPages, PageMap map, String file) {
        this.parent = parent;
        this.changedPages = changedPages;
        this.map = map;
        this.file = file;
    }

    @Override
    public void close() throws IOException {
        try (changedPages) {
            parent.close();
        }
    }

    @Override
    protected boolean nextPage() throws IOException {
        if (block >= map.blockCount()) {
            return false;
        }
        int length = map.pageLength(block);
        // the parent advances page by page whichever source the page comes from
        int fromParent = parent.readNBytes(page, 0, length);
        if (nextChanged < map.pageCount() && map.block(nextChanged) == block) {
            if (changedPages.readNBytes(page, 0, length) != length) {
                throw new PgbkException("incremental copy of " + file + " ends before block " + block
                        + ", which its page map lists");
            }
            nextChanged++;
        } else if (fromParent != length) {
            throw new PgbkException("parent copy of " + file + " ends before block " + block
                    + ", which the incremental backup did not store");
        }
        position = 0;
        limit = length;
        block++;
        return true;
    }
}
