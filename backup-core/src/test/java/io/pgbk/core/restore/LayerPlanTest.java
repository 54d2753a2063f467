package io.pgbk.core.restore;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgbk.core.manifest.BackupId;
import io.pgbk.core.manifest.FileData;
import io.pgbk.core.manifest.ManifestFile;
import io.pgbk.core.pgdata.EntryKind;
import io.pgbk.core.pgdata.FileMode;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LayerPlanTest {

    private static final BackupId BACKUP = BackupId.parse("20261130T010000Z");

    @Test
    void aPhaseHandsOutThePartsWithTheMostToWriteFirst() {
        Map<String, List<LayerPlan.Slice>> phase = new LinkedHashMap<>();
        phase.put("small", List.of(slice("base/5/1", 8192), slice("base/5/2", 3 * 8192)));
        phase.put("one large file", List.of(slice("base/5/3", 1L << 30)));
        phase.put("many files", List.of(slice("base/5/4", 1L << 28), slice("base/5/5", 1L << 28),
                slice("base/5/6", 1L << 28)));

        assertThat(LayerPlan.largestFirst(phase)).extracting(Map.Entry::getKey)
                .containsExactly("one large file", "many files", "small");
    }

    private static LayerPlan.Slice slice(String path, long size) {
        ManifestFile entry = new ManifestFile(path, EntryKind.FILE, new FileMode(0600), size, null, null, null,
                new FileData(BACKUP, 0, 0, size, null), null, null);
        FileLayer layer = FileLayer.of(entry);
        return new LayerPlan.Slice(new RestoredFile(entry, Path.of("/nowhere").resolve(path), List.of(layer), false),
                layer);
    }
}
