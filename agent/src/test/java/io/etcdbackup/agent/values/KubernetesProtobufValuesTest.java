package io.etcdbackup.agent.values;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import static io.etcdbackup.agent.values.ProtobufBytes.kubernetesEnvelope;
import static io.etcdbackup.agent.values.ProtobufBytes.message;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Objects the API server stored in protobuf ({@code k8s\0} and a runtime.Unknown), built here field by
 * field as it writes them, and what is shown of them.
 */
class KubernetesProtobufValuesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long NOV_14_2023 = 1_700_000_000L; // 2023-11-14T22:13:20Z

    /** A ConfigMap as the API server writes it: empty strings included, resourceVersion cleared, managedFields set. */
    private static final ProtobufBytes CONFIG_MAP = message()
            .message(1, message()
                    .string(1, "app-config")
                    .string(2, "")
                    .string(3, "default")
                    .string(4, "")
                    .string(5, "5f0c8c4e-6d1b-4f7a-9d55-0c2f3b8a1e42")
                    .string(6, "")
                    .message(8, message().varint(1, NOV_14_2023).varint(2, 0))
                    .mapEntry(11, "app", "web")
                    .message(17, message()
                            .string(1, "kubectl-client-side-apply")
                            .string(2, "Update")
                            .string(3, "v1")
                            .message(4, message().varint(1, NOV_14_2023))
                            .string(6, "FieldsV1")
                            .message(7, message().string(1, "{\"f:data\":{\"f:greeting\":{}}}"))))
            .mapEntry(2, "greeting", "hello")
            .mapEntry(2, "empty", "");

    @Test
    void aConfigMapIsDecodedAsKubectlShowsIt() throws Exception {
        byte[] value = kubernetesEnvelope("v1", "ConfigMap", CONFIG_MAP);

        StoredValue described = StoredValues.describe(value);

        assertThat(described.summary()).isEqualTo("k8s v1/ConfigMap protobuf " + value.length + " B");
        ObjectNode expected = (ObjectNode) JSON.readTree("""
                {"type": "kubernetes-protobuf", "size": 0, "apiVersion": "v1", "kind": "ConfigMap",
                 "object": {
                   "apiVersion": "v1", "kind": "ConfigMap",
                   "metadata": {
                     "name": "app-config", "namespace": "default", "uid": "5f0c8c4e-6d1b-4f7a-9d55-0c2f3b8a1e42",
                     "creationTimestamp": "2023-11-14T22:13:20Z",
                     "labels": {"app": "web"},
                     "managedFields": [{"manager": "kubectl-client-side-apply", "operation": "Update", "apiVersion": "v1",
                                        "time": "2023-11-14T22:13:20Z", "fieldsType": "FieldsV1",
                                        "fieldsV1": {"f:data": {"f:greeting": {}}}}]
                   },
                   "data": {"greeting": "hello", "empty": ""}
                 }}""");
        expected.put("size", value.length);
        assertThat(described.toJson()).isEqualTo(expected);
    }

    @Test
    void theObjectsFieldsComeInTheOrderKubernetesDeclaresThem() {
        StoredValue.KubernetesProtobuf described =
                (StoredValue.KubernetesProtobuf) StoredValues.describe(kubernetesEnvelope("v1", "ConfigMap", CONFIG_MAP));

        List<String> fields = new ArrayList<>();
        described.object().orElseThrow().fieldNames().forEachRemaining(fields::add);
        assertThat(fields).containsExactly("apiVersion", "kind", "metadata", "data");
    }

    @Test
    void aDeploymentShowsQuantitiesAndIntOrStringsAsTheirValues() throws Exception {
        ProtobufBytes deployment = message()
                .message(1, message().string(1, "web").string(3, "shop"))
                .message(2, message()
                        .varint(1, 3)
                        .message(3, message().message(2, message()
                                .message(2, message()
                                        .string(1, "web")
                                        .string(2, "nginx:1.27")
                                        .message(8, message().mapEntry(1, "cpu", message().string(1, "500m"))))))
                        .message(4, message()
                                .string(1, "RollingUpdate")
                                .message(2, message()
                                        .message(1, message().varint(1, 0).varint(2, 1))
                                        .message(2, message().varint(1, 1).string(3, "25%")))));

        StoredValue.KubernetesProtobuf described =
                (StoredValue.KubernetesProtobuf) StoredValues.describe(kubernetesEnvelope("apps/v1", "Deployment", deployment));

        assertThat(described.summary()).startsWith("k8s apps/v1/Deployment protobuf ");
        assertThat(described.object().orElseThrow().get("spec")).isEqualTo(JSON.readTree("""
                {"replicas": 3,
                 "template": {"spec": {"containers": [{"name": "web", "image": "nginx:1.27",
                                                       "resources": {"limits": {"cpu": "500m"}}}]}},
                 "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": "25%"}}}"""));
    }

    @Test
    void aLeaseShowsItsMicroTimesToTheMicrosecond() {
        ProtobufBytes lease = message()
                .message(1, message().string(1, "kube-scheduler").string(3, "kube-system"))
                .message(2, message()
                        .string(1, "node-1_6c3f")
                        .varint(2, 15)
                        .message(4, message().varint(1, NOV_14_2023).varint(2, 123_456_789)));

        JsonNode object = object(StoredValues.describe(kubernetesEnvelope("coordination.k8s.io/v1", "Lease", lease)));

        assertThat(object.at("/spec/renewTime").asText()).isEqualTo("2023-11-14T22:13:20.123456Z");
        assertThat(object.at("/spec/leaseDurationSeconds").asInt()).isEqualTo(15);
    }

    @Test
    void aSecretsValuesAreRedactedUnlessAskedFor() {
        ProtobufBytes secret = message()
                .message(1, message()
                        .string(1, "db")
                        .mapEntry(12, "kubectl.kubernetes.io/last-applied-configuration", "{\"data\":{\"password\":\"aHVudGVyMg==\"}}")
                        .mapEntry(12, "owner", "team-a"))
                .mapEntry(2, "password", "hunter2")
                .string(3, "Opaque");
        byte[] value = kubernetesEnvelope("v1", "Secret", secret);

        JsonNode redacted = object(StoredValues.describe(value));
        JsonNode shown = object(StoredValues.describe(value, SecretData.SHOWN));

        assertThat(redacted.at("/data/password").asText()).isEqualTo(SecretData.REDACTION);
        assertThat(redacted.at("/metadata/annotations").toString())
                .isEqualTo("{\"kubectl.kubernetes.io/last-applied-configuration\":\"<redacted>\",\"owner\":\"team-a\"}");
        assertThat(redacted.at("/type").asText()).isEqualTo("Opaque");
        assertThat(shown.at("/data/password").asText()).isEqualTo("aHVudGVyMg==");
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
            "v1, ConfigMap", "v1, Secret", "v1, Namespace", "v1, Pod", "v1, Service", "v1, ServiceAccount",
            "v1, Endpoints", "v1, Node", "v1, Event", "v1, PersistentVolumeClaim",
            "apps/v1, Deployment", "apps/v1, StatefulSet", "apps/v1, DaemonSet", "apps/v1, ReplicaSet",
            "apps/v1, ControllerRevision", "batch/v1, Job", "batch/v1, CronJob",
            "coordination.k8s.io/v1, Lease", "discovery.k8s.io/v1, EndpointSlice",
            "rbac.authorization.k8s.io/v1, ClusterRole", "rbac.authorization.k8s.io/v1, RoleBinding",
            "networking.k8s.io/v1, Ingress", "policy/v1, PodDisruptionBudget", "storage.k8s.io/v1, StorageClass",
            "apiextensions.k8s.io/v1, CustomResourceDefinition", "autoscaling/v2, HorizontalPodAutoscaler",
            "admissionregistration.k8s.io/v1, ValidatingWebhookConfiguration", "scheduling.k8s.io/v1, PriorityClass",
            "flowcontrol.apiserver.k8s.io/v1, FlowSchema", "events.k8s.io/v1, Event"})
    void theCommonKindsAreDecoded(String apiVersion, String kind) {
        ProtobufBytes named = message().message(1, message().string(1, "x"));

        JsonNode object = object(StoredValues.describe(kubernetesEnvelope(apiVersion, kind, named)));

        assertThat(object.get("kind").asText()).isEqualTo(kind);
        assertThat(object.at("/metadata/name").asText()).isEqualTo("x");
    }

    @Test
    void aKindThisBuildDoesNotKnowShowsTypeAndSizeOnly() {
        byte[] widget = kubernetesEnvelope("example.com/v1", "Widget", CONFIG_MAP);
        byte[] unknownCoreKind = kubernetesEnvelope("v1", "NoSuchKind", CONFIG_MAP);

        StoredValue described = StoredValues.describe(widget);

        assertThat(described).isEqualTo(new StoredValue.KubernetesProtobuf("example.com/v1", "Widget", widget.length, Optional.empty()));
        assertThat(described.summary()).isEqualTo("k8s example.com/v1/Widget protobuf " + widget.length + " B");
        assertThat(described.toJson().has("object")).isFalse();
        assertThat(((StoredValue.KubernetesProtobuf) StoredValues.describe(unknownCoreKind)).object()).isEmpty();
    }

    @Test
    void objectBytesThatDoNotParseLeaveTheObjectOutButKeepTheType() {
        byte[] value = kubernetesEnvelope("v1", "ConfigMap", message().bytes(1, new byte[] {(byte) 0xFF, (byte) 0xFF, 0x7F}).varint(2, 5));

        StoredValue.KubernetesProtobuf described = (StoredValue.KubernetesProtobuf) StoredValues.describe(value);

        assertThat(described.kind()).isEqualTo("ConfigMap");
        assertThat(described.object()).isEmpty();
    }

    @Test
    void anEnvelopeWithoutTypeMetaOrWithTypeMetaOfTheWrongWireTypeIsBinary() {
        byte[] noTypeMeta = withMagic(message().bytes(2, CONFIG_MAP.toByteArray()).toByteArray());
        byte[] typeMetaAsNumber = withMagic(message().varint(1, 7).bytes(2, CONFIG_MAP.toByteArray()).toByteArray());
        byte[] noKind = withMagic(message().message(1, message().string(1, "v1")).toByteArray());

        assertThat(StoredValues.describe(noTypeMeta)).isEqualTo(new StoredValue.Binary(noTypeMeta.length));
        assertThat(StoredValues.describe(typeMetaAsNumber)).isEqualTo(new StoredValue.Binary(typeMetaAsNumber.length));
        assertThat(StoredValues.describe(noKind)).isEqualTo(new StoredValue.Binary(noKind.length));
    }

    @Test
    void aTypeMetaKubernetesWouldNotWriteIsBinarySoThatNothingUnprintableReachesASummary() {
        assertThat(StoredValues.describe(kubernetesEnvelope("v1\n", "ConfigMap", CONFIG_MAP))).isInstanceOf(StoredValue.Binary.class);
        assertThat(StoredValues.describe(kubernetesEnvelope("v1", "Config Map", CONFIG_MAP))).isInstanceOf(StoredValue.Binary.class);
    }

    @Test
    void everyTruncationAfterTheMagicIsBinaryOrAnEnvelopeCutBetweenItsFields() {
        byte[] whole = kubernetesEnvelope("v1", "ConfigMap", CONFIG_MAP);
        int cutBetweenFields = 0;
        for (int length = "k8s\0".length(); length < whole.length; length++) {
            byte[] cut = Arrays.copyOf(whole, length);

            StoredValue described = StoredValues.describe(cut);

            assertThat(described.size()).isEqualTo(length);
            if (described instanceof StoredValue.KubernetesProtobuf envelope) {
                // ends right after the TypeMeta, the raw object or the content encoding: a valid, shorter envelope
                assertThat(envelope.summary()).startsWith("k8s v1/ConfigMap protobuf");
                cutBetweenFields++;
            } else {
                assertThat(described).isEqualTo(new StoredValue.Binary(length));
            }
        }
        assertThat(cutBetweenFields).isEqualTo(3);
    }

    private static JsonNode object(StoredValue described) {
        assertThat(described).isInstanceOf(StoredValue.KubernetesProtobuf.class);
        return ((StoredValue.KubernetesProtobuf) described).object().orElseThrow();
    }

    private static byte[] withMagic(byte[] unknown) {
        byte[] value = new byte[4 + unknown.length];
        System.arraycopy("k8s\0".getBytes(StandardCharsets.US_ASCII), 0, value, 0, 4);
        System.arraycopy(unknown, 0, value, 4, unknown.length);
        return value;
    }
}
