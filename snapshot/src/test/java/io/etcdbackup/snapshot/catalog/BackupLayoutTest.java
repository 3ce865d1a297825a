package io.etcdbackup.snapshot.catalog;

import io.etcdbackup.stores.ObjectKeys;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class BackupLayoutTest {

    private static final String GEN = "20261122T081500123Z-3fa2";

    @Test
    void keysSortByRevisionSoThatAListingIsInChainOrder() {
        List<String> keys = new ArrayList<>(List.of(
                BackupLayout.deltaKey(GEN, 100, 199), BackupLayout.deltaKey(GEN, 2, 99), BackupLayout.deltaKey(GEN, 1000, 1000),
                BackupLayout.deltaKey(GEN, 200, 999)));
        keys.sort(ObjectKeys.UTF8_ORDER);
        assertThat(keys).extracting(k -> BackupLayout.parse(k).orElseThrow().firstRevision()).containsExactly(2L, 100L, 200L, 1000L);
    }

    @Test
    void parsesWhatItNames() {
        Instant at = Instant.parse("2026-11-22T08:15:00.123Z");
        BackupLayout.ParsedKey full = BackupLayout.parse(BackupLayout.fullKey(GEN, 42, at)).orElseThrow();
        assertThat(full).isEqualTo(new BackupLayout.ParsedKey(BackupLayout.KeyType.FULL, GEN, 42, 42, at));
        BackupLayout.ParsedKey delta = BackupLayout.parse(BackupLayout.deltaKey(GEN, 43, 50)).orElseThrow();
        assertThat(delta).isEqualTo(new BackupLayout.ParsedKey(BackupLayout.KeyType.DELTA, GEN, 43, 50, null));
        assertThat(BackupLayout.parse(BackupLayout.generationInfoKey(GEN)).orElseThrow().type()).isEqualTo(BackupLayout.KeyType.GENERATION_INFO);
    }

    @Test
    void ignoresKeysItDoesNotKnow() {
        assertThat(BackupLayout.parse("v2/Full-00000000-00000042-1700000000.gz")).isEmpty();
        assertThat(BackupLayout.parse("eba-v1/not-a-generation/full/1")).isEmpty();
        assertThat(BackupLayout.parse("eba-v1/" + GEN + "/delta/garbage")).isEmpty();
    }

    @Test
    void generationIdsSortByStartTime() {
        String earlier = BackupLayout.newGenerationId(Instant.parse("2026-11-22T08:15:00Z"));
        String later = BackupLayout.newGenerationId(Instant.parse("2026-11-22T08:15:01Z"));
        assertThat(earlier).isLessThan(later);
    }
}
