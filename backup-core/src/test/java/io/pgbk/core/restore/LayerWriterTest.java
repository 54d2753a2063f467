package io.pgbk.core.restore;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgbk.core.manifest.BackupId;
import io.pgbk.core.manifest.FileData;
import io.pgbk.core.manifest.ManifestFile;
import io.pgbk.core.page.PageMap;
import io.pgbk.core.pgdata.EntryKind;
import io.pgbk.core.pgdata.FileMode;
import io.pgbk.core.seal.ContentDigest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerWriterTest {

    private static final int PAGE = 8192;
    private static final FileData ANYWHERE = new FileData(BackupId.parse("20261129T021500Z"), 0, 0, 0, null);

    @TempDir
    Path directory;

    @Test
    void aLargeFileIsHandedToWritebackEvery32MiBWhileItIsWritten() throws IOException {
        int pages = 70 * 1024 * 1024 / PAGE;
        Path file = directory.resolve("16385");
        Files.createFile(file);
        List<Path> writtenBack = new ArrayList<>();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            new LayerWriter(writtenBack::add).write(new ByteArrayInputStream(pages(pages, 3)), whole((long) pages * PAGE),
                    channel, false, null, "base/5/16385", file);
        }
        assertThat(writtenBack).as("after 32 and 64 MiB").containsExactly(file, file);
    }

    @Test
    void comparingWritesOnlyThePagesThatDiffer() throws IOException {
        byte[] backup = pages(6, 1);
        byte[] existing = backup.clone();
        existing[2 * PAGE + 17] ^= 1;
        existing[5 * PAGE] ^= 1;
        Path file = directory.resolve("16384");
        Files.write(file, Arrays.copyOf(existing, existing.length + 3 * PAGE)); // longer: the caller cuts it

        long written = write(file, whole(backup.length), backup, true);

        assertThat(written).isEqualTo(2 * PAGE);
        assertThat(Arrays.copyOf(Files.readAllBytes(file), backup.length)).isEqualTo(backup);
    }

    @Test
    void withoutComparingEveryPageIsWrittenAndAShortFileIsExtended() throws IOException {
        byte[] backup = pages(3, 2);
        Path file = directory.resolve("16385");
        Files.write(file, new byte[PAGE]);

        assertThat(write(file, whole(backup.length), backup, false)).isEqualTo(backup.length);
        assertThat(Files.readAllBytes(file)).isEqualTo(backup);
    }

    @Test
    void changedPagesGoToTheirBlocksAndCoveredBlocksAreLeftToNewerLayers() throws IOException {
        byte[] base = pages(5, 3);
        byte[] changed = pages(2, 4);
        Path file = directory.resolve("16386");
        Files.write(file, base);
        BitSet covered = new BitSet();
        covered.set(3);
        FileLayer layer = new FileLayer(ANYWHERE, new PageMap(base.length, new int[] {1, 3}), false, covered);

        assertThat(write(file, layer, changed, true)).isEqualTo(PAGE);

        byte[] expected = base.clone();
        System.arraycopy(changed, 0, expected, PAGE, PAGE);
        assertThat(Files.readAllBytes(file)).isEqualTo(expected);
    }

    @Test
    void aWholeLayerIsEveryBlockIncludingAnIncompleteLastPage() {
        long size = 2 * PAGE + 100;
        ManifestFile entry = new ManifestFile("base/5/PG_VERSION", EntryKind.FILE, new FileMode(0600), size, null,
                "0".repeat(64), null, new FileData(ANYWHERE.backup(), 0, 512, size, null), null, List.of());

        FileLayer layer = FileLayer.of(entry);

        assertThat(layer.whole()).isTrue();
        assertThat(layer.pages().blocks()).containsExactly(0, 1, 2);
        assertThat(layer.pages().storedSize()).isEqualTo(size);
    }

    @Test
    void theDigestCoversTheWholeFile() throws IOException {
        byte[] content = pages(3, 5);
        Path file = directory.resolve("16387");
        Files.write(file, content);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            assertThat(new LayerWriter(path -> { }).digest(channel))
                    .isEqualTo(ContentDigest.of(new ByteArrayInputStream(content)));
        }
    }

    private static long write(Path file, FileLayer layer, byte[] stored, boolean compare) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long written = new LayerWriter(path -> { }).write(new ByteArrayInputStream(stored), layer, channel, compare, null,
                    file.getFileName().toString(), file);
            channel.truncate(layer.size());
            return written;
        }
    }

    private static FileLayer whole(long size) {
        int[] blocks = new int[(int) PageMap.blockCount(size)];
        Arrays.setAll(blocks, i -> i);
        return new FileLayer(ANYWHERE, new PageMap(size, blocks), true, new BitSet());
    }

    private static byte[] pages(int count, long seed) {
        byte[] bytes = new byte[count * PAGE];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}
