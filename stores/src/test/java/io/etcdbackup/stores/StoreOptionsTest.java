package io.etcdbackup.stores;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The one grammar of store URL options: names, sizes, counts, ranges, deprecated spellings. */
final class StoreOptionsTest {

    private static final StoreOptions.Grammar GRAMMAR = StoreOptions.Grammar.of("part-size", "parallel-uploads", "path-style", "interface")
            .alias(new StoreOptions.Alias("part-size-mib", "part-size", 1 << 20)).alias("parallel_uploads", "parallel-uploads");

    private static StoreOptions read(String url) {
        return GRAMMAR.read(StoreUrl.parse(url));
    }

    @Test
    void sizesTakeTheAgentsGrammar() {
        for (String size : List.of("67108864", "64Mi", "64MiB", "64 MiB", "64mib", "65536Ki")) {
            assertThat(read("test://b/p?part-size=" + size.replace(" ", "%20")).bytes("part-size", 0, 1, Long.MAX_VALUE))
                    .as(size).isEqualTo(64L << 20);
        }
        assertThat(read("test://b/p?part-size=5MB").bytes("part-size", 0, 1, Long.MAX_VALUE)).isEqualTo(5_000_000);
        assertThat(Quantities.bytes("64Mi")).isEqualTo(64L << 20);
    }

    @Test
    void aValueOutsideItsRangeNamesOptionValueAndRange() {
        assertThatThrownBy(() -> read("test://b/p?part-size=4MiB").bytes("part-size", 0, 5 << 20, 2047L << 20))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("part-size='4MiB'").hasMessageContaining("from 5MiB to 2047MiB");
        assertThatThrownBy(() -> read("test://b/p?part-size=lots").bytes("part-size", 0, 1, 10))
                .hasMessageContaining("part-size='lots' is not a size");
        assertThatThrownBy(() -> read("test://b/p?parallel-uploads=0").whole("parallel-uploads", 4, 1, 64))
                .hasMessageContaining("parallel-uploads='0' must be a whole number from 1 to 64");
        assertThatThrownBy(() -> read("test://b/p?path-style=yes").bool("path-style", false))
                .hasMessageContaining("path-style='yes' must be true or false");
        assertThatThrownBy(() -> read("test://b/p?interface=private").oneOf("interface", "public", List.of("public", "admin")))
                .hasMessageContaining("interface='private' must be one of public, admin");
    }

    @Test
    void absentOptionsTakeTheirDefault() {
        StoreOptions options = read("test://b/p");
        assertThat(options.bytes("part-size", 42, 1, 100)).isEqualTo(42);
        assertThat(options.whole("parallel-uploads", 4, 1, 64)).isEqualTo(4);
        assertThat(options.bool("path-style", true)).isTrue();
        assertThat(options.text("interface")).isEmpty();
    }

    @Test
    void anOldSpellingWorksAndWarnsOncePerProcess() {
        StoreOptions first = GRAMMAR.read(StoreUrl.parse("once://b/p?part-size-mib=16"));
        StoreOptions second = GRAMMAR.read(StoreUrl.parse("once://b/p?part-size-mib=32"));

        assertThat(first.bytes("part-size", 0, 1, Long.MAX_VALUE)).isEqualTo(16L << 20);
        assertThat(second.bytes("part-size", 0, 1, Long.MAX_VALUE)).isEqualTo(32L << 20);
        assertThat(StoreOptions.deprecationWarnings("once", "part-size-mib")).isEqualTo(1);
        assertThat(StoreOptions.deprecationWarnings("once", "parallel_uploads")).isZero();
    }

    @Test
    void errorsNameTheOldSpellingTheUserWrote() {
        assertThatThrownBy(() -> read("test://b/p?part-size-mib=4").bytes("part-size", 0, 5 << 20, 2047L << 20))
                .hasMessageContaining("part-size-mib='4'");
    }

    @Test
    void unknownOptionsAndBothSpellingsAreRefused() {
        assertThatThrownBy(() -> read("test://b/p?colour=red")).hasMessageContaining("unknown option 'colour'");
        assertThatThrownBy(() -> read("test://b/p?parallel_uploads=2&parallel-uploads=3"))
                .hasMessageContaining("gives option parallel-uploads twice");
    }
}
