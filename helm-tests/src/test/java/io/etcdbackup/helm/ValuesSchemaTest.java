package io.etcdbackup.helm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** values.schema.json makes a typo in values an error, not a silently ignored key. */
class ValuesSchemaTest {

    @TempDir
    Path work;

    static final Map<String, Object> STORE = Map.of("url", "s3://etcd-backups/prod");

    @Test
    void a_misspelt_top_level_key_is_refused() {
        assertThatThrownBy(() -> Chart.template(Map.of("store", STORE, "replica", 3), work))
                .hasMessageContaining("replica");
    }

    @Test
    void a_misspelt_nested_key_is_refused() {
        assertThatThrownBy(() -> Chart.template(Map.of("store", STORE, "agent", Map.of("fullSchedul", "0 * * * *")), work))
                .hasMessageContaining("fullSchedul");
    }

    @Test
    void a_value_of_the_wrong_type_or_outside_its_choices_is_refused() {
        assertThatThrownBy(() -> Chart.template(Map.of("store", STORE, "replicas", "three"), work))
                .hasMessageContaining("replicas");
        assertThatThrownBy(() -> Chart.template(Map.of("store", Map.of("url", "x://y", "provider", "ftp")), work))
                .hasMessageContaining("provider");
    }

    @Test
    void the_store_url_is_required() {
        assertThatThrownBy(() -> Chart.template(Map.of(), work)).hasMessageContaining("store.url is required");
    }

    @Test
    void provider_file_needs_a_claim_and_cert_manager_an_issuer() {
        assertThatThrownBy(() -> Chart.template(Map.of("store", Map.of("url", "file:///var/backups/etcd/x", "provider", "file")), work))
                .hasMessageContaining("store.file.existingClaim is required");
        assertThatThrownBy(() -> Chart.template(Map.of("store", STORE,
                "tls", Map.of("peer", Map.of("enabled", true), "certManager", Map.of("enabled", true))), work))
                .hasMessageContaining("tls.certManager.issuerRef.name is required");
    }
}
