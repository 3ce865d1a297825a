package io.etcdbackup.agent.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcdbackup.snapshot.testing.EtcdClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.etcdbackup.stores.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Key-level recovery against a real etcd, on encrypted backups: a namespace's ConfigMaps are
 * deleted by mistake while the cluster goes on; {@code keys} shows them as etcd had them,
 * {@code history} lists what etcd's watch replays, {@code --apply-to} puts back exactly the
 * deleted keys and nothing else, and a second apply changes nothing. The sidecar serves the same
 * through {@code /v1/keys} and {@code /v1/history}, paged, behind its token.
 */
class KeyLevelRecoveryIT {

    private static final String TEAM_A = "/registry/configmaps/team-a/";
    private static final String TEAM_B = "/registry/configmaps/team-b/";
    private static final String TEAM_C = "/registry/configmaps/team-c/";
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    final EtcdClusterExtension etcd = EtcdClusterExtension.members(1);

    @TempDir
    Path dir;

    @Test
    void aDeletedNamespaceIsReadTracedAndPutBackWhileTheClusterRuns() throws Exception {
        Path storeDir = dir.resolve("store");
        String store = "file://" + storeDir;
        Path keys = dir.resolve("keys.json");
        Path token = dir.resolve("token");
        Files.writeString(token, "s3cret-token");
        Path bin = etcd.binaries().etcd().getParent();
        ok(AgentProcess.run(bin, "key", "generate", "--encryption-key-file", keys.toString()));
        Client client = etcd.client();

        Path serverLog = dir.resolve("server.log");
        ProcessBuilder builder = AgentProcess.builder(List.of(), "server", "--server-port", "0", "--endpoints", etcd.endpoints(),
                "--store", store, "--delta-period", "200ms", "--full-schedule", "", "--encryption-key-file", keys.toString(),
                "--api-token-file", token.toString());
        builder.redirectErrorStream(true).redirectOutput(serverLog.toFile());
        Process server = builder.start();
        try {
            int port = AgentProcess.awaitHttpPort(serverLog, server);
            BackupAndRestoreIT.awaitCaptured(storeDir, 1); // the first full snapshot: history starts after it
            long historyFrom = put(client, TEAM_B + "before", "{\"data\":{\"x\":\"1\"}}", 0);
            long lease = client.getLeaseClient().grant(600).get().getID();
            for (int i = 0; i < 40; i++) {
                put(client, TEAM_A + "cm-" + i, "{\"kind\":\"ConfigMap\",\"data\":{\"i\":\"" + i + "\"}}", i % 10 == 0 ? lease : 0);
                put(client, TEAM_B + "cm-" + i, "b" + i, 0);
            }
            client.getKVClient().put(bytes(TEAM_C + "proto"), ByteSequence.from(configMapAsTheApiServerStoresIt())).get();
            // A full snapshot holding them: keys then reads its database, and the deltas after it.
            HttpResponse<String> full = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + port + "/v1/snapshots/full"))
                    .header("Authorization", "Bearer s3cret-token").POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(full.statusCode()).as(full.body()).isEqualTo(200);
            for (int i = 0; i < 40; i += 3) {
                put(client, TEAM_A + "cm-" + i, "{\"kind\":\"ConfigMap\",\"data\":{\"i\":\"" + i + "-v2\"}}", 0);
            }
            long beforeDelete = client.getKVClient().get(bytes("/")).get().getHeader().getRevision();
            client.getKVClient().delete(bytes(TEAM_A), DeleteOption.builder().isPrefix(true).build()).get();
            long createdAfter = put(client, TEAM_A + "created-after", "new", 0);
            put(client, TEAM_B + "cm-1", "changed after", 0);
            long last = put(client, TEAM_B + "cm-2", "changed after", 0);
            BackupAndRestoreIT.awaitCaptured(storeDir, last);

            // keys: exactly what etcd had under the prefix before the delete.
            AgentProcess.Result listed = ok(agent(bin, "keys", "--store", store, "--encryption-key-file", keys.toString(),
                    "--revision", Long.toString(beforeDelete), "--prefix", TEAM_A, "--output", "json"));
            assertThat(keyValuesOf(listed.stdout())).isEqualTo(etcdGet(client, TEAM_A, beforeDelete)).hasSize(40);
            assertThat(listed.stdout()).contains("\"decoded\":{\"type\":\"json\"");
            AgentProcess.Result withoutKeys = agent(bin, "keys", "--store", store, "--revision", Long.toString(beforeDelete),
                    "--prefix", TEAM_A);
            assertThat(withoutKeys.exitCode()).as("no key file").isNotZero();
            JsonNode proto = JSON.readTree(ok(agent(bin, "keys", "--store", store, "--encryption-key-file", keys.toString(),
                    "--prefix", TEAM_C, "--output", "json")).stdout().strip()).get("decoded");
            assertThat(proto.get("kind").asText()).as("a Kubernetes protobuf value, decoded by the jar").isEqualTo("ConfigMap");
            assertThat(proto.at("/object/metadata/name").asText()).isEqualTo("proto");
            assertThat(proto.at("/object/data/color").asText()).isEqualTo("blue");
            assertThat(withoutKeys.stderr()).contains("encrypted");

            // history: the events etcd's watch replays for the prefix, in order.
            AgentProcess.Result history = ok(agent(bin, "history", "--store", store, "--encryption-key-file", keys.toString(),
                    "--prefix", TEAM_A, "--from-revision", Long.toString(historyFrom), "--values", "--output", "json"));
            assertThat(changesOf(history.stdout())).isEqualTo(etcdWatch(client, TEAM_A, historyFrom, createdAfter));

            // The sidecar answers the same, paged, behind its token.
            String page = "/v1/keys?prefix=" + TEAM_A + "&revision=" + beforeDelete + "&limit=25";
            assertThat(http(port, page, null).statusCode()).isEqualTo(401);
            assertThat(http(port, "/v1/history?prefix=" + TEAM_A, null).statusCode()).isEqualTo(401);
            JsonNode first = JSON.readTree(http(port, page, "s3cret-token").body());
            JsonNode second = JSON.readTree(http(port, page + "&after=" + first.get("next").asText(), "s3cret-token").body());
            assertThat(first.get("kvs")).hasSize(25);
            assertThat(second.get("kvs")).hasSize(15);
            assertThat(second.has("next")).isFalse();
            assertThat(http(port, "/v1/keys?prefix=" + TEAM_A + "&after=" + first.get("next").asText(), "s3cret-token").statusCode())
                    .as("a listing's cursor after its last page").isEqualTo(410);
            List<String> pagedKeys = new ArrayList<>();
            first.get("kvs").forEach(kv -> pagedKeys.add(decode(kv.get("key").asText())));
            second.get("kvs").forEach(kv -> pagedKeys.add(decode(kv.get("key").asText())));
            assertThat(pagedKeys).containsExactlyElementsOf(etcdGet(client, TEAM_A, beforeDelete).keySet());
            List<String> pagedChanges = new ArrayList<>();
            String after = "";
            do {
                JsonNode changes = JSON.readTree(http(port, "/v1/history?prefix=" + TEAM_A + "&from=" + historyFrom
                        + "&values=true&limit=10" + after, "s3cret-token").body());
                assertThat(changes.get("changes").size()).isBetween(1, 10);
                for (JsonNode change : changes.get("changes")) {
                    pagedChanges.add(JSON.writeValueAsString(change));
                }
                after = changes.has("next") ? "&after=" + changes.get("next").asText() : null;
            } while (after != null);
            assertThat(changesOf(String.join("\n", pagedChanges))).isEqualTo(etcdWatch(client, TEAM_A, historyFrom, createdAfter));

            // --apply-to: the deleted keys come back with their old values; nothing else changes.
            Map<String, String> teamBBefore = values(client, TEAM_B);
            AgentProcess.Result applied = ok(agent(bin, "keys", "--store", store, "--encryption-key-file", keys.toString(),
                    "--revision", Long.toString(beforeDelete), "--prefix", TEAM_A, "--apply-to", etcd.endpoints()));
            assertThat(applied.stdout()).contains("created=40 overwritten=0 skipped=0 conflicts=0");
            Map<String, String> restored = values(client, TEAM_A);
            Map<String, String> expected = new TreeMap<>();
            etcdGet(client, TEAM_A, beforeDelete).forEach((key, kv) -> expected.put(key, kv.get("value")));
            expected.put(TEAM_A + "created-after", "new");
            assertThat(restored).isEqualTo(expected);
            assertThat(values(client, TEAM_B)).isEqualTo(teamBBefore);
            assertThat(client.getKVClient().get(bytes(TEAM_A + "cm-0")).get().getKvs().get(0).getLease())
                    .as("leases are not carried over unless asked").isZero();

            // A second apply is a no-op: not one write.
            long revisionBefore = client.getKVClient().get(bytes("/")).get().getHeader().getRevision();
            AgentProcess.Result again = ok(agent(bin, "keys", "--store", store, "--encryption-key-file", keys.toString(),
                    "--revision", Long.toString(beforeDelete), "--prefix", TEAM_A, "--apply-to", etcd.endpoints()));
            assertThat(again.stdout()).contains("created=0 overwritten=0 skipped=40 conflicts=0");
            assertThat(client.getKVClient().get(bytes("/")).get().getHeader().getRevision()).isEqualTo(revisionBefore);

            // A changed key is replaced only with --overwrite; --dry-run writes nothing.
            put(client, TEAM_A + "cm-5", "edited", 0);
            long revisionEdited = client.getKVClient().get(bytes("/")).get().getHeader().getRevision();
            AgentProcess.Result plan = ok(agent(bin, "keys", "--store", store, "--encryption-key-file", keys.toString(),
                    "--revision", Long.toString(beforeDelete), "--prefix", TEAM_A, "--apply-to", etcd.endpoints(), "--overwrite",
                    "--dry-run"));
            assertThat(plan.stdout()).contains("overwrite " + TEAM_A + "cm-5").contains("created=0 overwritten=1 skipped=39 conflicts=0");
            assertThat(client.getKVClient().get(bytes("/")).get().getHeader().getRevision()).isEqualTo(revisionEdited);
            AgentProcess.Result overwritten = ok(agent(bin, "keys", "--store", store, "--encryption-key-file", keys.toString(),
                    "--revision", Long.toString(beforeDelete), "--prefix", TEAM_A, "--apply-to", etcd.endpoints(), "--overwrite"));
            assertThat(overwritten.stdout()).as("apply lines never show values").contains("created=0 overwritten=1 skipped=39 conflicts=0")
                    .doesNotContain("ConfigMap");
            assertThat(values(client, TEAM_A)).isEqualTo(expected);

            // --with-leases: a new lease, granted with the old one's TTL.
            client.getKVClient().delete(bytes(TEAM_A + "cm-10")).get();
            ok(agent(bin, "keys", "--store", store, "--encryption-key-file", keys.toString(), "--revision", Long.toString(beforeDelete),
                    "--prefix", TEAM_A + "cm-10", "--apply-to", etcd.endpoints(), "--with-leases"));
            long newLease = client.getKVClient().get(bytes(TEAM_A + "cm-10")).get().getKvs().get(0).getLease();
            assertThat(newLease).isNotZero().isNotEqualTo(lease);
            assertThat(client.getLeaseClient().timeToLive(newLease, io.etcd.jetcd.options.LeaseOption.DEFAULT).get().getGrantedTTL())
                    .isEqualTo(600);
        } finally {
            assertThat(AgentProcess.stop(server)).as("exited on SIGTERM").isTrue();
        }
    }

    /** A ConfigMap as the API server writes it: {@code k8s\0} and a {@code runtime.Unknown} around the object's protobuf. */
    private static byte[] configMapAsTheApiServerStoresIt() throws Exception {
        byte[] object = io.kubernetes.client.proto.V1.ConfigMap.newBuilder()
                .setMetadata(io.kubernetes.client.proto.Meta.ObjectMeta.newBuilder().setName("proto").setNamespace("team-c"))
                .putData("color", "blue").build().toByteArray();
        byte[] unknown = io.kubernetes.client.proto.Runtime.Unknown.newBuilder()
                .setTypeMeta(io.kubernetes.client.proto.Runtime.TypeMeta.newBuilder().setApiVersion("v1").setKind("ConfigMap"))
                .setRaw(com.google.protobuf.ByteString.copyFrom(object)).setContentEncoding("").setContentType("").build().toByteArray();
        java.io.ByteArrayOutputStream value = new java.io.ByteArrayOutputStream();
        value.write(new byte[] {'k', '8', 's', 0});
        value.write(unknown);
        return value.toByteArray();
    }

    private static AgentProcess.Result agent(Path bin, String... args) throws Exception {
        return AgentProcess.run(bin, args);
    }

    private static AgentProcess.Result ok(AgentProcess.Result result) {
        assertThat(result.exitCode()).as("stdout: %s%nstderr: %s", result.stdout(), result.stderr()).isZero();
        return result;
    }

    private static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }

    private static long put(Client client, String key, String value, long lease) throws Exception {
        return client.getKVClient().put(bytes(key), bytes(value), PutOption.builder().withLeaseId(lease).build()).get()
                .getHeader().getRevision();
    }

    private static String decode(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }

    /** A key-value as text fields, the way both etcd and our JSON lines give them. */
    private static Map<String, String> fields(String key, String value, long create, long mod, long version, long lease) {
        return Map.of("key", key, "value", value, "create", Long.toString(create), "mod", Long.toString(mod),
                "version", Long.toString(version), "lease", Long.toString(lease));
    }

    private static Map<String, Map<String, String>> etcdGet(Client client, String prefix, long revision) throws Exception {
        Map<String, Map<String, String>> keys = new TreeMap<>();
        for (KeyValue kv : client.getKVClient().get(bytes(prefix), GetOption.builder().isPrefix(true).withRevision(revision).build())
                .get().getKvs()) {
            keys.put(kv.getKey().toString(), fields(kv.getKey().toString(), kv.getValue().toString(), kv.getCreateRevision(),
                    kv.getModRevision(), kv.getVersion(), kv.getLease()));
        }
        return keys;
    }

    private static Map<String, Map<String, String>> keyValuesOf(String jsonLines) throws Exception {
        Map<String, Map<String, String>> keys = new TreeMap<>();
        for (String line : jsonLines.strip().split("\n")) {
            JsonNode kv = JSON.readTree(line);
            String key = decode(kv.get("key").asText());
            keys.put(key, fields(key, decode(kv.path("value").asText("")), kv.path("create_revision").asLong(),
                    kv.path("mod_revision").asLong(), kv.path("version").asLong(), kv.path("lease").asLong()));
        }
        return keys;
    }

    private static List<String> changesOf(String jsonLines) throws Exception {
        List<String> changes = new ArrayList<>();
        for (String line : jsonLines.strip().split("\n")) {
            JsonNode change = JSON.readTree(line);
            JsonNode kv = change.get("kv");
            changes.add(change.get("revision").asLong() + " " + change.get("type").asText() + " " + decode(kv.get("key").asText())
                    + " " + decode(kv.path("value").asText("")) + " v" + kv.path("version").asLong());
        }
        return changes;
    }

    /** What etcd's watch from {@code from} replays under {@code prefix}, up to {@code last}, a revision with an event there. */
    private static List<String> etcdWatch(Client client, String prefix, long from, long last) throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicLong seen = new java.util.concurrent.atomic.AtomicLong();
        try (var watch = client.getWatchClient().watch(bytes(prefix), WatchOption.builder().isPrefix(true).withRevision(from).build(),
                response -> {
                    for (WatchEvent event : response.getEvents()) {
                        KeyValue kv = event.getKeyValue();
                        if (kv.getModRevision() <= last) {
                            events.add(kv.getModRevision() + " " + (event.getEventType() == WatchEvent.EventType.PUT ? "PUT" : "DELETE")
                                    + " " + kv.getKey() + " " + kv.getValue() + " v" + kv.getVersion());
                        }
                        seen.accumulateAndGet(kv.getModRevision(), Math::max);
                    }
                })) {
            await("watch replayed up to revision " + last, Duration.ofSeconds(30), seen::get, revision -> revision >= last);
        }
        return new ArrayList<>(events);
    }

    private static Map<String, String> values(Client client, String prefix) throws Exception {
        Map<String, String> values = new TreeMap<>();
        for (KeyValue kv : client.getKVClient().get(bytes(prefix), GetOption.builder().isPrefix(true).build()).get().getKvs()) {
            values.put(kv.getKey().toString(), kv.getValue().toString());
        }
        return values;
    }

    private static HttpResponse<String> http(int port, String pathAndQuery, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
