package io.etcdbackup.plugins.swift;

import io.etcdbackup.stores.StoreOptions;
import io.etcdbackup.stores.StoreUrl;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Swift URL options in the shared grammar, and the old snake_case spellings. */
final class SwiftOptionsTest {

    private static SwiftUploadSettings upload(String url) {
        return SwiftStoreProvider.upload(SwiftStoreProvider.options(StoreUrl.parse(url)));
    }

    @Test
    void kebabCaseOptionsTakeSizes() {
        assertThat(upload("swift://c/p?segment-size=64Mi&parallel-uploads=2&max-segments=10"))
                .isEqualTo(new SwiftUploadSettings(64 * 1024 * 1024, 2, 10));
        assertThat(upload("swift://c/p")).isEqualTo(new SwiftUploadSettings(16 * 1024 * 1024, 4, 1000));
        assertThatThrownBy(() -> upload("swift://c/p?max-segments=1")).hasMessageContaining("max-segments='1'").hasMessageContaining("from 2");
    }

    @Test
    void theOldSnakeCaseSpellingsStillWorkAndWarnOnce() {
        assertThat(upload("swift://c/p?segment_size=1048576&max_segments=5")).isEqualTo(new SwiftUploadSettings(1024 * 1024, 4, 5));
        assertThat(upload("swift://c/p?segment_size=2MiB")).isEqualTo(new SwiftUploadSettings(2 * 1024 * 1024, 4, 1000));
        assertThat(StoreOptions.deprecationWarnings("swift", "segment_size")).isEqualTo(1);
    }
}
