package io.etcdbackup.helm;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static io.etcdbackup.helm.Chart.FULLNAME;
import static io.etcdbackup.helm.Chart.container;
import static io.etcdbackup.helm.Chart.only;
import static io.etcdbackup.helm.Chart.strings;
import static org.assertj.core.api.Assertions.assertThat;

/** helm template over the values matrix: every object valid for its kind, and the pod as the README describes it. */
class ChartRenderTest {

    @TempDir
    static Path work;

    /** One render per case, shared by the tests below. */
    private static final Map<ValuesMatrix, List<JsonNode>> RENDERS = new ConcurrentHashMap<>();

    static List<JsonNode> render(ValuesMatrix values) {
        return RENDERS.computeIfAbsent(values, v -> Chart.objects(Chart.template(v.values(), work)));
    }

    static List<ValuesMatrix> matrix() {
        return ValuesMatrix.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("matrix")
    void every_rendered_object_is_valid_for_its_kind(ValuesMatrix values) {
        List<JsonNode> objects = render(values);

        List<String> problems = new ArrayList<>();
        objects.forEach(object -> problems.addAll(KubernetesSchemas.problems(object)));
        assertThat(problems).isEmpty();
        List<String> kinds = objects.stream().map(o -> o.path("kind").asText()).toList();
        assertThat(kinds).contains("StatefulSet", "Service", "PodDisruptionBudget", "ServiceAccount", "Role", "RoleBinding",
                "ConfigMap", "Secret");
        if (values.tls()) {
            assertThat(kinds).contains("Certificate", "ServiceMonitor", "PrometheusRule", "NetworkPolicy");
            assertThat(objects.stream().filter(o -> o.path("kind").asText().equals("Certificate")).count()).isEqualTo(3);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("matrix")
    void the_pod_runs_initialize_etcd_and_the_sidecar_as_the_readme_says(ValuesMatrix values) {
        List<JsonNode> objects = render(values);
        JsonNode sts = only(objects, "StatefulSet");
        JsonNode pod = sts.path("spec").path("template").path("spec");
        String client = values.tls() ? "https" : "http";
        String peer = values.tls() ? "https" : "http";

        assertThat(sts.path("spec").path("podManagementPolicy").asText()).isEqualTo("Parallel");
        assertThat(sts.path("spec").path("replicas").asInt()).isEqualTo(values.replicas());

        JsonNode init = container(sts, "initContainers", "initialize");
        List<String> initArgs = strings(init.path("args"));
        // The image's entrypoint (no shell in either image): initialize writes etcd's configuration file itself.
        assertThat(init.has("command")).isFalse();
        assertThat(initArgs).startsWith("initialize").contains("--etcd-config-template=/etc/etcd-backup-agent/etcd.conf.yaml.tpl",
                "--etcd-config-out=/var/run/etcd-config/etcd.conf.yaml");
        // Every member, ready or not (the headless Service): a member without quorum must still answer.
        String serviceEndpoints = value(initArgs, "--service-endpoints");
        assertThat(serviceEndpoints.split(",")).hasSize(values.replicas())
                .allMatch(url -> url.startsWith(client + "://" + FULLNAME + "-") && url.endsWith("." + FULLNAME
                        + "-peer.etcd.svc.cluster.local:2379"));
        assertThat(initArgs).contains(
                "--data-dir=/var/lib/etcd/data",
                "--store=" + ValuesMatrix.storeUrl(values.provider()));
        String initialCluster = value(initArgs, "--initial-cluster");
        assertThat(initialCluster.split(",")).hasSize(values.replicas());
        assertThat(initialCluster).startsWith(FULLNAME + "-0=" + peer + "://" + FULLNAME + "-0." + FULLNAME
                + "-peer.etcd.svc.cluster.local:2380");

        JsonNode etcd = container(sts, "containers", "etcd");
        // The official etcd image has no shell: etcd starts from the file the init step wrote.
        assertThat(strings(etcd.path("command"))).containsExactly("/usr/local/bin/etcd",
                "--config-file=/var/run/etcd-config/etcd.conf.yaml");
        assertThat(etcd.path("readinessProbe").path("httpGet").path("port").asText()).isEqualTo("etcd-metrics");

        JsonNode agent = container(sts, "containers", "backup-agent");
        List<String> args = strings(agent.path("args"));
        assertThat(args.get(0)).isEqualTo("server");
        assertThat(args).contains("--cluster-size=statefulset", "--data-dir=/var/lib/etcd/data", "--create-leases=true",
                "--service-endpoints=" + serviceEndpoints,
                "--api-token-file=/var/run/secrets/etcd-backup-agent/api-token/token");
        assertThat(value(args, "--initial-cluster")).isEqualTo(initialCluster);
        // The sidecar's health never decides whether the member serves clients.
        assertThat(agent.has("readinessProbe")).isFalse();
        assertThat(agent.path("livenessProbe").has("tcpSocket")).isTrue();
        // The heap is a share of the memory limit, so each JVM container needs one.
        for (JsonNode jvm : List.of(init, agent)) {
            assertThat(env(jvm, "JAVA_TOOL_OPTIONS")).contains("-XX:MaxRAMPercentage=50", "-XX:+ExitOnOutOfMemoryError");
            assertThat(jvm.path("resources").path("limits").path("memory").asText()).isNotEmpty();
        }

        JsonNode scratch = volume(pod, "scratch").path("emptyDir");
        assertThat(scratch.path("medium").asText()).isEqualTo(values.memoryScratch() ? "Memory" : "");

        if (values.tls()) {
            assertThat(args).contains("--cacert=/var/run/secrets/etcd/client-tls/ca.crt",
                    "--server-cert=/var/run/secrets/etcd-backup-agent/api-tls/tls.crt",
                    "--server-ca=/var/run/secrets/etcd-backup-agent/api-tls/ca.crt",
                    "--encryption-key-file=/var/run/secrets/etcd-backup-agent/encryption/keys.json");
            assertThat(strings(container(sts, "initContainers", "initialize").path("args")))
                    .contains("--encryption-key-file=/var/run/secrets/etcd-backup-agent/encryption/keys.json");
            assertThat(volume(pod, "encryption-keys").path("secret").path("secretName").asText()).isEqualTo("etcd-backup-keys");
            assertThat(volume(pod, "peer-tls").path("secret").path("secretName").asText()).isEqualTo(FULLNAME + "-peer-tls");
        } else {
            assertThat(args).noneMatch(a -> a.startsWith("--cacert") || a.startsWith("--server-cert") || a.startsWith("--encryption"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("matrix")
    void store_credentials_are_mounted_in_the_providers_layout(ValuesMatrix values) {
        JsonNode sts = only(render(values), "StatefulSet");
        JsonNode pod = sts.path("spec").path("template").path("spec");
        for (String name : List.of("initialize", "backup-agent")) {
            JsonNode agent = container(sts, name.equals("initialize") ? "initContainers" : "containers", name);
            if (values.provider().equals("file")) {
                assertThat(volume(pod, "store").path("persistentVolumeClaim").path("claimName").asText()).isEqualTo("etcd-backups");
                assertThat(mountPath(agent, "store")).isEqualTo("/var/backups/etcd");
                continue;
            }
            Map<String, String> variable = Map.of(
                    "s3", "AWS_APPLICATION_CREDENTIALS",
                    "azblob", "AZURE_APPLICATION_CREDENTIALS",
                    "gs", "GOOGLE_APPLICATION_CREDENTIALS",
                    "swift", "OPENSTACK_APPLICATION_CREDENTIALS",
                    "oss", "ALICLOUD_APPLICATION_CREDENTIALS");
            String expected = "/var/run/secrets/etcd-backup-agent/store" + (values.provider().equals("gs") ? "/serviceaccount.json" : "");
            assertThat(env(agent, variable.get(values.provider()))).isEqualTo(expected);
            assertThat(volume(pod, "store-credentials").path("secret").path("secretName").asText()).isEqualTo("store-credentials");
            // The whole Secret, never a subPath: Kubernetes updates only whole secret volumes (hot reload).
            assertThat(mountPath(agent, "store-credentials")).isEqualTo("/var/run/secrets/etcd-backup-agent/store");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("matrix")
    void rbac_disruption_budget_and_services_fit_the_members(ValuesMatrix values) {
        List<JsonNode> objects = render(values);
        assertThat(only(objects, "PodDisruptionBudget").path("spec").path("maxUnavailable").asInt()).isEqualTo(1);
        JsonNode rules = only(objects, "Role").path("rules");
        assertThat(rules.get(0).path("resources").get(0).asText()).isEqualTo("leases");
        assertThat(strings(rules.get(0).path("verbs"))).contains("get", "create", "update");
        assertThat(rules.get(1).path("resources").get(0).asText()).isEqualTo("statefulsets");
        assertThat(strings(rules.get(1).path("verbs"))).containsExactly("get");
        List<JsonNode> services = objects.stream().filter(o -> o.path("kind").asText().equals("Service")).toList();
        JsonNode headless = services.stream().filter(s -> s.path("spec").path("clusterIP").asText().equals("None")).findFirst().orElseThrow();
        assertThat(headless.path("spec").path("publishNotReadyAddresses").asBoolean()).isTrue();
        assertThat(headless.path("metadata").path("name").asText())
                .isEqualTo(only(objects, "StatefulSet").path("spec").path("serviceName").asText());
    }

    static String value(List<String> args, String option) {
        return args.stream().filter(a -> a.startsWith(option + "=")).map(a -> a.substring(option.length() + 1))
                .findFirst().orElseThrow(() -> new AssertionError("no " + option + " in " + args));
    }

    static String env(JsonNode container, String name) {
        for (JsonNode variable : container.path("env")) {
            if (variable.path("name").asText().equals(name)) {
                return variable.path("value").asText();
            }
        }
        throw new AssertionError("no env " + name + " in " + container.path("name").asText());
    }

    static JsonNode volume(JsonNode podSpec, String name) {
        for (JsonNode volume : podSpec.path("volumes")) {
            if (volume.path("name").asText().equals(name)) {
                return volume;
            }
        }
        throw new AssertionError("no volume " + name);
    }

    static String mountPath(JsonNode container, String volume) {
        for (JsonNode mount : container.path("volumeMounts")) {
            if (mount.path("name").asText().equals(volume)) {
                assertThat(mount.has("subPath")).isFalse();
                return mount.path("mountPath").asText();
            }
        }
        throw new AssertionError("no mount of " + volume + " in " + container.path("name").asText());
    }
}
