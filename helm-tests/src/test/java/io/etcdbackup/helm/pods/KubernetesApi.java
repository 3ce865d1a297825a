package io.etcdbackup.helm.pods;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;

/**
 * The Kubernetes API the pods talk to: fabric8's mock API server in CRUD mode (objects created in
 * it can be read, updated and deleted), listening where the pods reach the host. A kubeconfig for
 * it stands in for the service account's in-cluster access.
 */
final class KubernetesApi implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final KubernetesMockServer server;
    private final String url;
    private final HttpClient http = HttpClient.newHttpClient();

    private KubernetesApi(KubernetesMockServer server, String url) {
        this.server = server;
        this.url = url;
    }

    /** Starts the server on {@code address} (the pods' network's host address), on a free port. */
    static KubernetesApi start(String address) throws IOException {
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(List.of()), false);
        server.init(InetAddress.getByName(address), 0);
        return new KubernetesApi(server, "http://" + address + ":" + server.getPort());
    }

    /** Creates {@code object} (as rendered) in its namespace. */
    void create(JsonNode object, String namespace) throws IOException, InterruptedException {
        String apiVersion = object.path("apiVersion").asText();
        String group = apiVersion.contains("/") ? "/apis/" + apiVersion : "/api/" + apiVersion;
        String plural = object.path("kind").asText().toLowerCase(java.util.Locale.ROOT) + "s";
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url + group + "/namespaces/" + namespace + "/" + plural))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(object)))
                .build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() / 100 != 2) {
            throw new IOException("creating " + object.path("kind").asText() + ": HTTP " + response.statusCode() + " " + response.body());
        }
    }

    /** The names of the objects of {@code plural} (e.g. {@code leases} in {@code coordination.k8s.io/v1}) in {@code namespace}. */
    List<String> names(String apiPath, String namespace, String plural) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url + apiPath + "/namespaces/" + namespace + "/" + plural))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        List<String> names = new java.util.ArrayList<>();
        JSON.readTree(response.body()).path("items").forEach(item -> names.add(item.path("metadata").path("name").asText()));
        return names;
    }

    /** Writes a kubeconfig for this server, defaulting to {@code namespace}. */
    Path kubeconfig(Path file, String namespace) throws IOException {
        return Files.writeString(file, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: pods
                  cluster:
                    server: %s
                contexts:
                - name: pods
                  context:
                    cluster: pods
                    namespace: %s
                    user: pods
                current-context: pods
                users:
                - name: pods
                  user: {}
                """.formatted(url, namespace));
    }

    @Override
    public void close() {
        server.destroy();
    }
}
