package io.etcdbackup.plugins.oss;

import io.etcdbackup.stores.StoreOptions;
import io.etcdbackup.stores.StoreUrl;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The OSS URL options in the shared grammar, and the old snake_case spellings. */
final class OssOptionsTest {

    private static OssUploadSettings upload(String url) {
        return OssStoreProvider.upload(OssStoreProvider.options(StoreUrl.parse(url)));
    }

    @Test
    void kebabCaseOptionsTakeSizes() {
        assertThat(upload("oss://b/p?part-size=8MiB&parallel-uploads=2")).isEqualTo(new OssUploadSettings(8 * 1024 * 1024, 2));
        assertThat(upload("oss://b/p")).isEqualTo(new OssUploadSettings(16 * 1024 * 1024, 4));
        assertThatThrownBy(() -> upload("oss://b/p?part-size=99KiB")).hasMessageContaining("part-size='99KiB'").hasMessageContaining("100KiB");
    }

    @Test
    void theOldSnakeCaseSpellingsStillWorkAndWarnOnce() {
        assertThat(upload("oss://b/p?part_size=204800&parallel_uploads=3")).isEqualTo(new OssUploadSettings(200 * 1024, 3));
        assertThat(upload("oss://b/p?part_size=1MiB")).isEqualTo(new OssUploadSettings(1024 * 1024, 4));
        assertThat(OssStoreProvider.options(StoreUrl.parse("oss://b/p?path_style=true")).bool("path-style", false)).isTrue();
        assertThat(StoreOptions.deprecationWarnings("oss", "part_size")).isEqualTo(1);
    }
}
