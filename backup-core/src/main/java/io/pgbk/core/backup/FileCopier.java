/*
 * Copies one data directory entry into a tar part and describes it for the manifest. A file is
 * read once, through one chain: fixed length (the size at open) -> page checksum verification
 * (relation files, when the cluster has checksums) -> SHA-256 -> the tar entry (which adds the
 * CRC32C of what it stores, TarPart).
 *
 * In an incremental backup:
 *  - a file whose size and modification time equal the parent's, with that time more than a
 *    second before the parent began, is not read: its entry points at the parent's bytes
 *    (pgBackRest's rule). The margin matters: a file system stamps writes with a coarse clock,
 *    so a write made while the parent copied the file, in the same tick as the time the parent
 *    recorded, would leave the time unchanged, and this backup would miss it (restoring it
 *    replays WAL from its own start only). Any write after the parent began stamps a later time;
 *  - a main fork relation file goes through ChangedPageFilter, which keeps the changed pages and
 *    yields the page map. With a WAL summary (ChangedBlocks) only the pages the WAL touched since
 *    the parent's start are read (SelectedPages, by position) and all of them are stored: their
 *    size is known before they are read, so they stream straight into the part. Without one,
 *    every page is read and the size of what is kept is known only at the file's end, while a
 *    tar header states it first: the pages wait in a temporary file. Such an entry has no
 *    SHA-256: its content is the parent's pages under the ones stored here, which this backup
 *    does not read, and which may differ from the file's current pages where PostgreSQL set hint
 *    bits without WAL (no data checksums, no wal_log_hints). What was stored is covered by its
 *    CRC32C;
 *  - only the main fork is selected by page LSN: PostgreSQL changes free space map pages without
 *    WAL and clears visibility map bits without moving the map page's LSN, so an old LSN on
 *    those pages proves nothing. Changed forks are stored whole;
 *  - a file the parent lacks is simply a relation file whose parent size is 0 (all pages kept)
 *    or a file stored whole; a file the parent had and this backup lacks is not listed, so
 *    restore does not create it.
 *
 * A page that fails its checksum is read once more before it is reported: the first read may
 * have caught PostgreSQL writing it (a torn read of a page changed before the backup started is
 * impossible, but the check is cheap and pgBackRest makes it too).
 */
package io.pgbk.core.backup;

import io.pgbk.core.manifest.BackupManifest;
import io.pgbk.core.manifest.FileData;
import io.pgbk.core.manifest.ManifestFile;
import io.pgbk.core.page.ChangedPageFilter;
import io.pgbk.core.page.PageChecksumVerifier;
import io.pgbk.core.page.PageHeader;
import io.pgbk.core.page.PageMap;
import io.pgbk.core.page.PageState;
import io.pgbk.core.page.SelectedPages;
import io.pgbk.core.pgdata.EntryKind;
import io.pgbk.core.pgdata.Fork;
import io.pgbk.core.pgdata.PgdataEntry;
import io.pgbk.core.pgdata.RelationFile;
import io.pgbk.core.seal.ContentDigest;
import io.pgbk.core.wal.Lsn;
import io.pgbk.core.walsummary.ChangedBlocks;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

final class FileCopier {

    private static final Logger log = LoggerFactory.getLogger(FileCopier.class);
    /**
     * Bytes per read call for large files: the page streams ask for 8 KiB at a time, and a read
     * call costs more than copying its bytes once more (smaller files get a buffer of their size).
     */
    private static final int READ_SIZE = 128 * 1024;
    /** More than any file system's timestamp granularity and coarse clock lag (see above). */
    private static final Duration MODIFIED_MARGIN = Duration.ofSeconds(1);

    private final Lsn startLsn;
    private final boolean verifyChecksums;
    private final BackupManifest parent;
    private final Optional<ChangedBlocks> summary;
    /** The parent's files by path: looked up once per file copied, so not a scan of its list each time. */
    private final Map<String, ManifestFile> parentFiles;
    private final BackupProgress progress;

    /**
     * parent is null for a full backup; summary, the blocks the WAL since the parent's start changed,
     * when it could be built.
     */
    FileCopier(Lsn startLsn, boolean verifyChecksums, BackupManifest parent, Optional<ChangedBlocks> summary,
            BackupProgress progress) {
        this.startLsn = startLsn;
        this.verifyChecksums = verifyChecksums;
        this.parent = parent;
        this.summary = summary;
        this.parentFiles = parent == null ? Map.of()
                : parent.files().stream().collect(
                        Collectors.toMap(ManifestFile::path, Function.identity(), (first, later) -> first));
        this.progress = progress;
    }

    /** The bytes copy() will add to the part for entry, as far as the scan knows: to choose its part. */
    long expectedSize(PgdataEntry entry) {
        return entry.kind() == EntryKind.FILE ? entry.size() : 0;
    }

    /** Copies entry into part; empty when the file vanished (PostgreSQL dropped it while the backup ran). */
    Optional<ManifestFile> copy(PgdataEntry entry, TarPart part) throws IOException {
        if (entry.kind() != EntryKind.FILE) {
            return Optional.of(new ManifestFile(entry.path(), entry.kind(), entry.mode(), 0, entry.modified(), null,
                    entry.linkTarget(), null, null, List.of()));
        }
        Optional<RelationFile> relation = entry.relation();
        boolean byPage = parent != null && relation.filter(file -> file.fork() == Fork.MAIN).isPresent();
        ManifestFile parentFile = Optional.ofNullable(parentFiles.get(entry.path()))
                .filter(file -> file.kind() == EntryKind.FILE).orElse(null);
        if (parentFile != null && parentFile.size() == entry.size() && parentFile.modified().equals(entry.modified())
                && parentFile.modified().isBefore(parent.startTime().minus(MODIFIED_MARGIN))) {
            progress.copied(entry.size());
            return Optional.of(new ManifestFile(entry.path(), EntryKind.FILE, entry.mode(), parentFile.size(),
                    entry.modified(), parentFile.sha256(), null, parentFile.data(), parentFile.pageMap(), List.of()));
        }
        FileChannel channel;
        try {
            channel = FileChannel.open(entry.source());
        } catch (NoSuchFileException e) {
            log.debug("{} vanished before it was copied: dropped while the backup ran", entry.path());
            return Optional.empty();
        }
        try (channel) {
            long size = channel.size();
            long parentSize = parentFile == null ? 0 : parentFile.size();
            Optional<int[]> selected = byPage
                    ? summary.flatMap(changed -> changed.candidates(relation.get(), parentSize, size))
                    : Optional.empty();
            InputStream in = null;
            PageChecksumVerifier verifier = null;
            if (selected.isPresent()) {
                if (verifyChecksums) {
                    verifier = PageChecksumVerifier.forSelectedPages(entry.path(), relation.get().firstBlockNumber(),
                            startLsn);
                }
            } else {
                in = new FixedLengthInputStream(new BufferedInputStream(Channels.newInputStream(channel),
                        (int) Math.max(1, Math.min(READ_SIZE, size))), size);
                if (verifyChecksums && relation.isPresent()) {
                    verifier = new PageChecksumVerifier(in, entry.path(), relation.get().firstBlockNumber(), startLsn);
                    in = verifier;
                }
            }
            FileData data;
            PageMap pageMap = null;
            String sha256 = null;
            if (selected.isPresent()) {
                pageMap = new PageMap(size, selected.get());
                ChangedPageFilter pages = ChangedPageFilter.passingEvery(
                        new SelectedPages(channel, selected.get(), size, verifier));
                data = part.add(entry.path(), entry.mode().bits(), entry.modified(), pageMap.storedSize(), pages);
                if (!pages.pageMap().equals(pageMap)) {
                    throw new IllegalStateException("stored " + pages.pageMap() + " of " + entry.path()
                            + " instead of " + pageMap);
                }
            } else if (byPage) {
                ChangedPageFilter filter = new ChangedPageFilter(in, parent.startLsn(), parentSize);
                Path pages = Files.createTempFile("pgbk-pages-", ".tmp");
                try {
                    try (OutputStream out = Files.newOutputStream(pages)) {
                        filter.transferTo(out);
                    }
                    pageMap = filter.pageMap();
                    try (InputStream stored = Files.newInputStream(pages)) {
                        data = part.add(entry.path(), entry.mode().bits(), entry.modified(), pageMap.storedSize(),
                                stored);
                    }
                } finally {
                    Files.deleteIfExists(pages);
                }
            } else {
                DigestInputStream digest = new DigestInputStream(in, ContentDigest.newSha256());
                data = part.add(entry.path(), entry.mode().bits(), entry.modified(), size, digest);
                sha256 = HexFormat.of().formatHex(digest.getMessageDigest().digest());
            }
            progress.copied(size);
            List<Integer> corrupt = verifier == null ? List.of() : recheck(verifier, channel);
            if (!corrupt.isEmpty()) {
                log.warn("page checksum failure in {}: blocks {}", entry.path(), corrupt);
            }
            return Optional.of(new ManifestFile(entry.path(), EntryKind.FILE, entry.mode(), size, entry.modified(),
                    sha256, null, data, pageMap, corrupt));
        }
    }

    /** The blocks that fail their checksum on a second read as well. */
    private static List<Integer> recheck(PageChecksumVerifier verifier, FileChannel channel) throws IOException {
        List<Integer> corrupt = new ArrayList<>();
        byte[] page = new byte[PageHeader.PAGE_SIZE];
        for (int block : verifier.result().corruptBlocks()) {
            ByteBuffer buffer = ByteBuffer.wrap(page);
            long offset = (long) block * PageHeader.PAGE_SIZE;
            while (buffer.hasRemaining() && channel.read(buffer, offset + buffer.position()) > 0) {
                // read the whole page again
            }
            // a page that is gone now was truncated away: WAL replay removes it, nothing to report
            if (!buffer.hasRemaining() && verifier.check(page, 0, block) == PageState.CORRUPT) {
                corrupt.add(block);
            }
        }
        return corrupt;
    }
}
