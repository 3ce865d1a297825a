package io.etcdbackup.plugins.swift;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.etcdbackup.stores.StoreContext;
import io.etcdbackup.stores.credentials.KubernetesSecretVolume;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** When the session logs in, against a Keystone fake on loopback that records who logged in. */
final class KeystoneSessionTest {

    @TempDir
    Path dir;
    private HttpServer keystone;
    private final List<String> logins = new CopyOnWriteArrayList<>();
    private KubernetesSecretVolume volume;
    private KeystoneSession session;

    @BeforeEach
    void start() throws IOException {
        keystone = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
        keystone.createContext("/v3/auth/tokens", this::login);
        keystone.start();
        volume = KubernetesSecretVolume.create(dir.resolve("openstack"), password("user-a", "password-a"));
        KeystoneCredentials.Source source = KeystoneCredentials.source(
                new StoreContext(Map.of(KeystoneCredentials.CREDENTIALS_DIR_ENV, volume.dir().toString())));
        session = new KeystoneSession(source, "public", HttpClient.newHttpClient(), Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        keystone.stop(0);
    }

    @Test
    void theTokenIsKeptWhileTheCredentialsAreUnchanged() throws IOException {
        KeystoneSession.Token first = session.token();

        assertThat(session.token()).isEqualTo(first);
        assertThat(session.token()).isEqualTo(first);
        assertThat(logins).containsExactly("user-a");
    }

    @Test
    void aRotatedCredentialsDirectoryLogsInAgainWithTheNewCredentialsOnTheNextCall() throws IOException {
        KeystoneSession.Token first = session.token();

        volume.publish(password("user-b", "password-b"));
        KeystoneSession.Token second = session.token();

        assertThat(second.id()).isNotEqualTo(first.id());
        assertThat(session.token()).isEqualTo(second);
        assertThat(logins).containsExactly("user-a", "user-b");
    }

    @Test
    void aRotationWithoutAUsableLoginFailsEachCallUntilAUsableOneArrives() throws IOException {
        session.token();
        Map<String, String> noPassword = new HashMap<>(password("user-b", ""));
        noPassword.remove("password");

        volume.publish(noPassword);

        assertThatThrownBy(session::token).isInstanceOf(IOException.class).hasMessageContaining("password")
                .hasMessageContaining(volume.dir().toString());
        assertThatThrownBy(session::token).isInstanceOf(IOException.class);

        volume.publish(password("user-c", "password-c"));

        session.token();
        assertThat(logins).containsExactly("user-a", "user-c");
    }

    private Map<String, String> password(String user, String password) {
        return Map.of("authURL", "http://127.0.0.1:" + keystone.getAddress().getPort() + "/v3", "username", user,
                "password", password, "tenantName", "project", "domainName", "Default");
    }

    /** Answers every password login with a new token whose catalog has one object-store endpoint. */
    private void login(HttpExchange exchange) throws IOException {
        try (exchange) {
            String user = new ObjectMapper().readTree(exchange.getRequestBody())
                    .path("auth").path("identity").path("password").path("user").path("name").asText();
            logins.add(user);
            byte[] body = ("{\"token\": {\"expires_at\": \"2999-01-01T00:00:00Z\", \"catalog\": [{\"type\": \"object-store\","
                    + " \"endpoints\": [{\"interface\": \"public\", \"region\": \"RegionOne\", \"url\": \"http://swift/v1/AUTH_x\"}]}]}}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("X-Subject-Token", "token-" + logins.size());
            exchange.sendResponseHeaders(201, body.length);
            exchange.getResponseBody().write(body);
        }
    }
}
