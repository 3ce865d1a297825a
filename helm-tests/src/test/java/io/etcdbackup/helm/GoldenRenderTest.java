package io.etcdbackup.helm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chart's defaults (plus the one required value, the store URL) render exactly the checked-in
 * file: a change to what the chart renders is a reviewed diff of that file. Regenerate it with
 * {@code mvn -pl helm-tests test -Dchart.update=true}.
 */
class GoldenRenderTest {

    static final Path GOLDEN = Chart.root().resolve("helm-tests/src/test/resources/golden/defaults.yaml");
    static final Map<String, Object> DEFAULTS = Map.of("store", Map.of("url", "s3://etcd-backups/prod?region=eu-west-1"));

    @TempDir
    Path work;

    @Test
    void the_defaults_render_the_golden_file() throws IOException {
        String rendered = masked(Chart.template(DEFAULTS, work));
        if (Chart.updateRequested()) {
            Files.writeString(GOLDEN, rendered, StandardCharsets.UTF_8);
        }
        assertThat(GOLDEN).as("golden render; regenerate with -Dchart.update=true").exists();
        assertThat(rendered).isEqualTo(Files.readString(GOLDEN, StandardCharsets.UTF_8));
    }

    /** The API token is random on every render (a pre-install hook: made once, at install). */
    static String masked(String manifest) {
        return manifest.replaceAll("(?m)^(  token: ).*$", "$1<random, made at install>");
    }
}
