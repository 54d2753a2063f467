/*
 * One file of a backup as it is put into the data directory: its layers (FileLayer) are applied
 * oldest first, each in the phase that reads its part, and each layer's stored bytes are checked
 * as they pass (RestoreEngine). A backup made before manifest format 3 records no checksum per
 * layer: once the newest layer is in, the content's SHA-256 must equal the manifest's instead,
 * or the file is not published and the restore fails naming the backup. The mode and time are
 * the ones the backup recorded, since PostgreSQL refuses a data directory with looser
 * permissions.
 *
 * Into an empty directory (or after --force) the file is written under a temporary name in its
 * directory, fsynced once complete and renamed; the directory is fsynced once at the end of the
 * restore, not after every file. A delta restore writes into the existing file in place, only
 * the pages that differ, and fsyncs it: a failed delta restore leaves the directory partly
 * restored in any case, and keeping the file is what makes unchanged pages free.
 *
 * The file is cut to its size (or extended) once, after the newest layer: pages beyond an older
 * layer's size that a newer one has again are in the newer layer's map (ChangedPageFilter passes
 * every page the parent's copy does not hold), so cutting in between would only make a delta
 * restore write again pages that were already right.
 *
 * That SHA-256 is computed on the way in when the oldest layer already is the final content (a
 * file stored whole by one backup and not changed by the newer ones), else by reading the
 * assembled file back once.
 */
package io.pgbk.core.restore;

import io.pgbk.core.manifest.ManifestFile;
import io.pgbk.core.seal.ContentDigest;
import io.pgbk.error.PgbkException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.List;
import java.util.Set;
import java.util.UUID;

final class RestoredFile {

    private static final Set<OpenOption> NEW = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
            StandardOpenOption.READ);
    private static final Set<OpenOption> EXISTING = Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.READ);

    private final ManifestFile entry;
    private final Path target;
    private final List<FileLayer> layers;
    private final boolean inPlace;
    /** Where the content is assembled: a temporary name next to the target, or the target itself in place. */
    private final Path assembly;
    private int applied;
    private long bytesWritten;
    private boolean changed;
    private boolean kept;
    private MessageDigest digest;

    /**
     * @param layers  oldest first
     * @param inPlace a delta restore: compare with the existing file and write into it
     */
    RestoredFile(ManifestFile entry, Path target, List<FileLayer> layers, boolean inPlace) {
        this.entry = entry;
        this.target = target;
        this.layers = List.copyOf(layers);
        this.inPlace = inPlace;
        this.assembly = inPlace ? target
                : target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
    }

    ManifestFile entry() {
        return entry;
    }

    List<FileLayer> layers() {
        return layers;
    }

    /** Whether nothing more is to be done: kept as it was, or every layer applied. */
    boolean isDone() {
        return kept || applied == layers.size();
    }

    boolean isKept() {
        return kept;
    }

    long bytesWritten() {
        return bytesWritten;
    }

    /** Whether the file was written or cut, rather than found as the backup has it. */
    boolean isChanged() {
        return changed;
    }

    /**
     * For a delta restore, before the oldest layer: keeps the existing file when it has the
     * backup's size and SHA-256. Tried only when the newer layers change nothing, where it likely
     * succeeds: a file that changed since the oldest backup is compared page by page instead,
     * which needs no extra pass over it.
     */
    boolean keepIfUnchanged(LayerWriter writer) throws IOException {
        if (!inPlace || applied > 0 || entry.sha256() == null || !newerLayersChangeNothing() || !hasExistingSize()) {
            return false;
        }
        try (FileChannel channel = FileChannel.open(target, StandardOpenOption.READ)) {
            if (!writer.digest(channel).sha256().equals(entry.sha256())) {
                return false;
            }
        }
        kept = true;
        applyMetadata();
        return true;
    }

    /**
     * Applies the next layer, read from slice. After the newest (and, for backups before format 3,
     * the check of the whole content) true is returned: once its layer's stored bytes have been
     * checked, the file is ready for publish().
     */
    boolean apply(FileLayer layer, InputStream slice, LayerWriter writer, String source) throws IOException {
        if (layer != layers.get(applied)) {
            throw new IllegalStateException("layers of " + entry.path() + " applied out of order");
        }
        boolean oldest = applied == 0;
        boolean newest = applied == layers.size() - 1;
        if (oldest && !inPlace) {
            Files.createDirectories(target.getParent());
        }
        try (AssemblyFile file = AssemblyFile.open(assembly, oldest && !inPlace ? NEW : EXISTING, !inPlace)) {
            FileChannel channel = file.channel();
            if (oldest && !layer.whole() && channel.size() > 0) {
                channel.truncate(0); // no older copy: what the changed pages do not cover is zeros
                changed = true;
            }
            if (oldest && checksWholeContent() && layer.whole() && newerLayersChangeNothing()) {
                digest = ContentDigest.newSha256();
            }
            long written = writer.write(slice, layer, file, inPlace, digest, entry.path());
            bytesWritten += written;
            boolean resized = newest && resize(channel, layer.size());
            changed |= written > 0 || resized || !inPlace;
            applied++;
            if (newest && checksWholeContent()) {
                verify(digest != null ? ContentDigest.finish(layer.size(), digest) : writer.digest(channel), source);
            }
        }
        return newest;
    }

    /**
     * Makes the verified file durable and puts it in place: fsync, rename, mode and time. Done
     * apart from the writing (see RestoreEngine) so that the workers decompress the next files
     * while the disk takes this one; the directory is fsynced at the end of the restore.
     */
    void publish() throws IOException {
        try (FileChannel channel = FileChannel.open(assembly, StandardOpenOption.READ)) {
            channel.force(true);
        }
        if (!inPlace) {
            Files.move(assembly, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        applyMetadata();
    }

    /** After a failed restore: no temporary file left behind. */
    void abandon() throws IOException {
        if (!inPlace) {
            Files.deleteIfExists(assembly);
        }
    }

    /**
     * Whether the assembled content is checked against the entry's SHA-256: when some layer has no
     * checksum of its own (made before format 3). An entry of a newer incremental over such a
     * parent has no SHA-256; its own layer is checked, the parent's only by its part's seal.
     */
    private boolean checksWholeContent() {
        return entry.sha256() != null && !layers.stream().allMatch(FileLayer::isChecked);
    }

    private boolean newerLayersChangeNothing() {
        long size = layers.get(0).size();
        return layers.stream().skip(1).allMatch(layer -> layer.pages().pageCount() == 0 && layer.size() == size);
    }

    private boolean hasExistingSize() throws IOException {
        try {
            BasicFileAttributes attributes = Files.readAttributes(target, BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            return attributes.isRegularFile() && attributes.size() == entry.size();
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    /** Makes the file size bytes long, cut or extended with zeros; returns whether its size changed. */
    private static boolean resize(FileChannel channel, long size) throws IOException {
        long current = channel.size();
        if (current > size) {
            channel.truncate(size);
        } else if (current < size) {
            channel.write(ByteBuffer.allocate(1), size - 1);
        }
        return current != size;
    }

    private void verify(ContentDigest restored, String source) {
        if (restored.length() != entry.size() || !restored.sha256().equals(entry.sha256())) {
            throw new PgbkException("restored " + entry.path() + " from " + source + " has " + restored.length()
                    + " bytes with SHA-256 " + restored.sha256() + ", the backup recorded " + entry.size()
                    + " bytes with " + entry.sha256() + ": the backup is damaged");
        }
    }

    private void applyMetadata() throws IOException {
        Files.setPosixFilePermissions(target, entry.mode().permissions());
        if (entry.modified() != null) {
            Files.setLastModifiedTime(target, FileTime.from(entry.modified()));
        }
    }
}
