package io.etcdbackup.plugins.swift;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.etcdbackup.stores.ObjectAlreadyExistsException;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.ObjectStores;
import io.etcdbackup.stores.ObjectWriter;
import io.etcdbackup.stores.StoreContext;
import io.etcdbackup.stores.WriteMode;
import io.etcdbackup.stores.conformance.GeneratedBytes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Static Large Objects and their segments, seen from the container itself, plus application-credential login. */
@ExtendWith(SwiftEnvironment.class)
final class SwiftLargeObjectIT {

    private static final int SEGMENT = 64 * 1024;
    private final HttpClient http = HttpClient.newHttpClient();
    private SwiftEnvironment.Running swift;
    private String prefix;
    private ObjectStore store;

    @BeforeEach
    void open(SwiftEnvironment.Running running) throws Exception {
        swift = running;
        prefix = "slo-" + UUID.randomUUID().toString().substring(0, 8);
        store = ObjectStores.open("swift://" + swift.container() + "/" + prefix + "?segment_size=" + SEGMENT + "&parallel_uploads=3",
                new StoreContext(swift.facts()));
    }

    @AfterEach
    void close() throws Exception {
        store.close();
    }

    @Test
    void largeObjectIsAnSloOfManySegmentsThatReadsBackAndDeletesWithItsSegments() throws Exception {
        GeneratedBytes data = new GeneratedBytes(42, 7L * SEGMENT + 1234);
        String written;
        try (ObjectWriter writer = store.create("big.bin", WriteMode.IF_ABSENT)) {
            written = data.writeTo(writer);
        }

        assertThat(segments()).hasSize(8);
        assertThat(head(prefix + "/big.bin").headers().firstValue("X-Static-Large-Object")).hasValue("True");
        try (InputStream in = store.open("big.bin")) {
            assertThat(GeneratedBytes.digest(in).sha256Hex()).isEqualTo(written);
        }
        try (InputStream in = store.open("big.bin", 3L * SEGMENT - 10, 2L * SEGMENT + 20)) {
            assertThat(in.readAllBytes()).isEqualTo(data.slice(3L * SEGMENT - 10, 2 * SEGMENT + 20));
        }
        assertThat(store.list("").toList()).singleElement().satisfies(info -> assertThat(info.size()).isEqualTo(data.length()));

        store.delete("big.bin");

        assertThat(segments()).isEmpty();
        assertThat(containerNames(prefix + "/")).isEmpty();
    }

    @Test
    void abortedAndRefusedUploadsLeaveNoSegments() throws Exception {
        ObjectWriter aborted = store.create("aborted.bin", WriteMode.OVERWRITE);
        new GeneratedBytes(1, 3L * SEGMENT + 5).writeTo(aborted);
        aborted.abort();
        store.put("taken", new byte[] {1}, WriteMode.OVERWRITE);
        ObjectWriter refused = store.create("taken", WriteMode.IF_ABSENT);
        new GeneratedBytes(2, 4L * SEGMENT).writeTo(refused);

        assertThatThrownBy(refused::close).isInstanceOf(ObjectAlreadyExistsException.class);
        assertThat(segments()).isEmpty();
        assertThat(store.readAll("taken")).containsExactly(1);
    }

    @Test
    void overwritingALargeObjectDeletesTheOldSegments() throws Exception {
        try (ObjectWriter writer = store.create("doc", WriteMode.OVERWRITE)) {
            new GeneratedBytes(3, 3L * SEGMENT + 1).writeTo(writer);
        }
        assertThat(segments()).hasSize(4);

        store.put("doc", new byte[] {7, 7}, WriteMode.OVERWRITE);

        assertThat(segments()).isEmpty();
        assertThat(store.readAll("doc")).containsExactly(7, 7);
    }

    @Test
    void applicationCredentialLogsIn() throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("OS_AUTH_URL", swift.facts().get("OS_AUTH_URL"));
        env.put("OS_REGION_NAME", swift.facts().get("OS_REGION_NAME"));
        env.put("OS_APPLICATION_CREDENTIAL_ID", swift.facts().get("OS_APPLICATION_CREDENTIAL_ID"));
        env.put("OS_APPLICATION_CREDENTIAL_SECRET", swift.facts().get("OS_APPLICATION_CREDENTIAL_SECRET"));
        try (ObjectStore viaAppCredential = ObjectStores.open("swift://" + swift.container() + "/" + prefix, new StoreContext(env))) {
            viaAppCredential.put("k", new byte[] {9}, WriteMode.IF_ABSENT);
            assertThat(store.readAll("k")).containsExactly(9);
        }
        env.put("OS_APPLICATION_CREDENTIAL_SECRET", "wrong");
        try (ObjectStore wrong = ObjectStores.open("swift://" + swift.container() + "/" + prefix, new StoreContext(env))) {
            assertThatThrownBy(() -> wrong.stat("k")).hasMessageContaining("refused the login").hasMessageContaining("401")
                    .hasMessageNotContaining("wrong");
        }
    }

    private List<String> segments() throws Exception {
        return containerNames(SwiftObjectStore.SEGMENTS + prefix + "/");
    }

    private List<String> containerNames(String namePrefix) throws Exception {
        KeystoneSession.Token token = session().token();
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(token.storageUrl() + "/" + swift.container()
                + "?format=json&prefix=" + SwiftObjectStore.encode(namePrefix))).header("X-Auth-Token", token.id()).build(),
                HttpResponse.BodyHandlers.ofString());
        List<String> names = new ArrayList<>();
        for (JsonNode entry : new ObjectMapper().readTree(response.body().isEmpty() ? "[]" : response.body())) {
            names.add(entry.path("name").asText());
        }
        return names;
    }

    private HttpResponse<Void> head(String name) throws Exception {
        KeystoneSession.Token token = session().token();
        return http.send(HttpRequest.newBuilder(URI.create(token.storageUrl() + "/" + swift.container() + "/" + SwiftObjectStore.encodePath(name)))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).header("X-Auth-Token", token.id()).build(), HttpResponse.BodyHandlers.discarding());
    }

    private KeystoneSession session() throws Exception {
        return new KeystoneSession(KeystoneCredentials.source(new StoreContext(swift.facts())), "public", http, Clock.systemUTC());
    }
}
