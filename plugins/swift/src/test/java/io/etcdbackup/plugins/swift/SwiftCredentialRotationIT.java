package io.etcdbackup.plugins.swift;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.etcdbackup.stores.ObjectInfo;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.ObjectStores;
import io.etcdbackup.stores.StoreContext;
import io.etcdbackup.stores.WriteMode;
import io.etcdbackup.stores.credentials.KubernetesSecretVolume;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Credential hot reload against the real Keystone and Swift of {@code scripts/swift-aio.sh}. The
 * store opens with credentials A (a fresh application credential of the test user) from a
 * credentials directory laid out like a Kubernetes secret volume. A is then deleted in Keystone,
 * so it can no longer log in, and the volume is rotated by a {@code ..data} swap to credentials B:
 * a password login of another user in another project. The same store's next call must log in with
 * B. B's project is a different one on purpose: its container of the same name does not hold what
 * was written with A, so the listing shows which login the store used (a token of A, had the store
 * kept it, could still be accepted by Swift's token cache and would list A's objects).
 */
@ExtendWith(SwiftEnvironment.class)
final class SwiftCredentialRotationIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    @Test
    void theNextCallAfterARotationLogsInWithTheNewCredentials(SwiftEnvironment.Running swift) throws Exception {
        Map<String, String> facts = swift.facts();
        String prefix = "rotation-" + UUID.randomUUID().toString().substring(0, 8);
        String url = "swift://" + swift.container() + "/" + prefix;
        ApplicationCredential a = ApplicationCredential.create(http, facts);
        KubernetesSecretVolume volume = KubernetesSecretVolume.create(dir.resolve("openstack"), Map.of(
                "authURL", facts.get("OS_AUTH_URL"), "regionName", facts.get("OS_REGION_NAME"),
                "applicationCredentialID", a.id(), "applicationCredentialSecret", a.secret()));

        try (ObjectStore store = ObjectStores.open(url, new StoreContext(Map.of(KeystoneCredentials.CREDENTIALS_DIR_ENV, volume.dir().toString())))) {
            store.put("before", new byte[] {1}, WriteMode.IF_ABSENT);
            assertThat(keys(store)).containsExactly("before");

            a.delete();
            try (ObjectStore withA = ObjectStores.open(url, new StoreContext(Map.of("OS_AUTH_URL", facts.get("OS_AUTH_URL"),
                    "OS_APPLICATION_CREDENTIAL_ID", a.id(), "OS_APPLICATION_CREDENTIAL_SECRET", a.secret())))) {
                // Keystone answers a deleted application credential with 404 "Could not find ...".
                assertThatThrownBy(() -> withA.stat("before")).as("credentials A no longer log in")
                        .hasMessageContaining("refused the login").hasMessageContaining("Could not find Application Credential")
                        .hasMessageNotContaining(a.secret());
            }
            volume.publish(Map.of(
                    "authURL", facts.get("OS_AUTH_URL"), "regionName", facts.get("OS_REGION_NAME"), "domainName", "Default",
                    "username", facts.get("ROTATED_USERNAME"), "password", facts.get("ROTATED_PASSWORD"),
                    "tenantName", facts.get("ROTATED_PROJECT_NAME")));

            store.put("after", new byte[] {2}, WriteMode.IF_ABSENT);

            assertThat(keys(store)).as("the store now works in B's project").containsExactly("after");
            assertThat(store.readAll("after")).containsExactly(2);
            store.delete("after");
        }
        try (ObjectStore tester = ObjectStores.open(url, new StoreContext(facts))) {
            assertThat(keys(tester)).as("what A wrote stays in A's project").containsExactly("before");
            tester.delete("before");
        }
    }

    private static List<String> keys(ObjectStore store) throws IOException {
        return store.list("").toList().stream().map(ObjectInfo::key).toList();
    }

    /** An application credential of the environment's test user, made through Keystone's API. */
    private record ApplicationCredential(HttpClient http, String authUrl, String token, String userId, String id, String secret) {

        static ApplicationCredential create(HttpClient http, Map<String, String> facts) throws Exception {
            String authUrl = facts.get("OS_AUTH_URL");
            String login = "{\"auth\": {\"identity\": {\"methods\": [\"password\"], \"password\": {\"user\": {\"name\": \""
                    + facts.get("OS_USERNAME") + "\", \"password\": \"" + facts.get("OS_PASSWORD") + "\", \"domain\": {\"id\": \"default\"}}}},"
                    + " \"scope\": {\"project\": {\"id\": \"" + facts.get("OS_PROJECT_ID") + "\"}}}}";
            HttpResponse<String> loggedIn = send(http, HttpRequest.newBuilder(URI.create(authUrl + "/auth/tokens"))
                    .POST(HttpRequest.BodyPublishers.ofString(login)), 201);
            String token = loggedIn.headers().firstValue("X-Subject-Token").orElseThrow();
            String userId = JSON.readTree(loggedIn.body()).path("token").path("user").path("id").asText();
            String body = "{\"application_credential\": {\"name\": \"rotation-" + UUID.randomUUID() + "\"}}";
            JsonNode created = JSON.readTree(send(http, HttpRequest.newBuilder(URI.create(authUrl + "/users/" + userId + "/application_credentials"))
                    .header("X-Auth-Token", token).POST(HttpRequest.BodyPublishers.ofString(body)), 201).body()).path("application_credential");
            return new ApplicationCredential(http, authUrl, token, userId, created.path("id").asText(), created.path("secret").asText());
        }

        void delete() throws Exception {
            send(http, HttpRequest.newBuilder(URI.create(authUrl + "/users/" + userId + "/application_credentials/" + id))
                    .header("X-Auth-Token", token).DELETE(), 204);
        }

        private static HttpResponse<String> send(HttpClient http, HttpRequest.Builder request, int expected) throws Exception {
            HttpResponse<String> response = http.send(request.header("Content-Type", "application/json").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as("%s %s: %s", response.request().method(), response.request().uri(), response.body())
                    .isEqualTo(expected);
            return response;
        }

        @Override
        public String toString() {
            return "ApplicationCredential[" + id + "]";
        }
    }
}
