package io.etcdbackup.snapshot.catalog;

import com.github.luben.zstd.Zstd;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class DeltaSegmentLevelTest {

    private static final String GEN = "20261122T000000000Z-0001";
    private static final Instant T = Instant.parse("2026-11-22T00:00:00Z");

    @Test
    void aVersionWrittenBeforeMergeLevelsExistedReadsItsSegmentsAtLevelZero() throws Exception {
        String json = """
                {"formatVersion":1,"sequence":3,"epoch":1,"writer":"old","updatedAt":"2026-11-22T00:00:00Z",
                 "generations":[{"info":{"id":"%s","reason":"test","startedAt":"2026-11-22T00:00:00Z","clusterId":1,"startRevision":1},
                   "fulls":[],
                   "deltas":[{"key":"k","generation":"%s","firstRevision":2,"lastRevision":3,"size":10,"publishedAt":"2026-11-22T00:00:00Z"}]}],
                 "removed":[]}""".formatted(GEN, GEN);
        byte[] compressed = Zstd.compress(json.getBytes(StandardCharsets.UTF_8), 3);
        byte[] version = Arrays.copyOf(compressed, compressed.length + 32);
        System.arraycopy(MessageDigest.getInstance("SHA-256").digest(compressed), 0, version, compressed.length, 32);

        CatalogState old = CatalogVersions.decode(CatalogVersions.key(3), version);

        assertThat(old.generations().get(0).deltas()).containsExactly(new DeltaSegmentRef("k", GEN, 2, 3, 10, T, 0));
        DeltaSegmentRef merged = new DeltaSegmentRef("m", GEN, 2, 30, 10, T, 2);
        CatalogState withLevel = new CatalogState(1, 4, 1, "new", T,
                List.of(new CatalogState.GenerationEntry(old.generations().get(0).info(), List.of(), List.of(merged))), List.of());
        assertThat(CatalogVersions.decode(CatalogVersions.key(4), CatalogVersions.encode(withLevel))).isEqualTo(withLevel);
    }
}
