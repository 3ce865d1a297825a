package io.etcdbackup.agent.values;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Objects;
import java.util.Optional;

/**
 * What an etcd value holds, as far as its bytes tell: a Kubernetes object (JSON or protobuf), a value
 * the API server encrypted at rest, other JSON, UTF-8 text, or binary. {@link StoredValues#describe}
 * makes one from a value; it keeps no reference to the value's array, only what it shows.
 *
 * <p>Every description renders two ways: {@link #summary()} for a table column and {@link #toJson()}
 * for machine-readable output.
 */
public sealed interface StoredValue {

    /** The value's length in bytes, as stored in etcd (for an encrypted value, prefix and ciphertext). */
    int size();

    /**
     * One line for a table column: the type first, then what identifies the content, then the size
     * ({@code json 412 B}, {@code k8s v1/ConfigMap protobuf 1.2 KiB}, {@code k8s encrypted aescbc key1 300 B},
     * {@code text "abc" 3 B}, {@code binary 40 B}). Never holds a line break; text is cut to
     * {@value #TEXT_SHOWN} characters, ending in {@code …} when it was cut.
     */
    String summary();

    /**
     * A new JSON object, the caller's to change: always {@code "type"} (one of {@code json},
     * {@code kubernetes-protobuf}, {@code kubernetes-encrypted}, {@code text}, {@code binary}) and
     * {@code "size"}, then the fields of that type.
     */
    ObjectNode toJson();

    /** How many characters of a text value its summary shows. */
    int TEXT_SHOWN = 40;

    /**
     * A JSON object or array. {@link #kubernetesType()} is {@code apiVersion/kind} when the object has
     * both (a custom resource, or a built-in one stored as JSON); the summary then reads
     * {@code k8s <apiVersion>/<kind> json <size>}, and the JSON has {@code apiVersion} and {@code kind}
     * beside {@code object}.
     */
    record Json(JsonNode object, int size) implements StoredValue {
        public Json {
            Objects.requireNonNull(object, "object");
            object = object.deepCopy();
        }

        /** A copy of the parsed value (a Secret's values redacted unless asked for). */
        @Override
        public JsonNode object() {
            return object.deepCopy();
        }

        /** {@code apiVersion/kind} when the object carries both as strings of the form Kubernetes gives them. */
        public Optional<String> kubernetesType() {
            JsonNode apiVersion = object.path("apiVersion");
            JsonNode kind = object.path("kind");
            if (apiVersion.isTextual() && kind.isTextual() && KubernetesEnvelope.isTypeMeta(apiVersion.asText(), kind.asText())) {
                return Optional.of(apiVersion.asText() + "/" + kind.asText());
            }
            return Optional.empty();
        }

        @Override
        public String summary() {
            String size = SummaryText.bytes(size());
            return kubernetesType().map(type -> "k8s " + type + " json " + size).orElse("json " + size);
        }

        @Override
        public ObjectNode toJson() {
            ObjectNode json = header("json", size);
            if (kubernetesType().isPresent()) {
                json.put("apiVersion", object.get("apiVersion").asText());
                json.put("kind", object.get("kind").asText());
            }
            json.set("object", object.deepCopy());
            return json;
        }
    }

    /**
     * A Kubernetes object in the API server's protobuf encoding ({@code k8s\0} and a runtime.Unknown).
     * {@code object} is the decoded object, as {@code kubectl get -o json} would show it, when its
     * apiVersion and kind are among the built-in ones known to this build and the bytes parse; otherwise
     * empty, and only the type and size are shown. Fields newer than those schemas are left out.
     */
    record KubernetesProtobuf(String apiVersion, String kind, int size, Optional<ObjectNode> object) implements StoredValue {
        public KubernetesProtobuf {
            Objects.requireNonNull(apiVersion, "apiVersion");
            Objects.requireNonNull(kind, "kind");
            object = Objects.requireNonNull(object, "object").map(ObjectNode::deepCopy);
        }

        /** A copy of the decoded object (a Secret's values redacted unless asked for). */
        @Override
        public Optional<ObjectNode> object() {
            return object.map(ObjectNode::deepCopy);
        }

        @Override
        public String summary() {
            return "k8s " + apiVersion + "/" + kind + " protobuf " + SummaryText.bytes(size);
        }

        @Override
        public ObjectNode toJson() {
            ObjectNode json = header("kubernetes-protobuf", size);
            json.put("apiVersion", apiVersion);
            json.put("kind", kind);
            object.ifPresent(decoded -> json.set("object", decoded.deepCopy()));
            return json;
        }
    }

    /**
     * A value the API server encrypted at rest: {@code k8s:enc:<provider>:<version>:<keyName>:} and the
     * ciphertext. {@code keyName} is the key's name for aescbc, aesgcm and secretbox, and the KMS
     * plugin's name for kms. The summary shows the version only when it is not {@code v1}
     * ({@code k8s encrypted kms v2 vault 1.1 KiB}).
     */
    record KubernetesEncrypted(String provider, String version, String keyName, int size) implements StoredValue {
        public KubernetesEncrypted {
            Objects.requireNonNull(provider, "provider");
            Objects.requireNonNull(version, "version");
            Objects.requireNonNull(keyName, "keyName");
        }

        @Override
        public String summary() {
            String providerAndVersion = "v1".equals(version) ? provider : provider + " " + version;
            return "k8s encrypted " + providerAndVersion + " " + keyName + " " + SummaryText.bytes(size);
        }

        @Override
        public ObjectNode toJson() {
            ObjectNode json = header("kubernetes-encrypted", size);
            json.put("provider", provider);
            json.put("version", version);
            json.put("keyName", keyName);
            return json;
        }
    }

    /** Valid UTF-8 with no control characters but tab, line feed and carriage return (the empty value too). */
    record Text(String text, int size) implements StoredValue {
        public Text {
            Objects.requireNonNull(text, "text");
        }

        @Override
        public String summary() {
            return "text \"" + SummaryText.oneLine(text, TEXT_SHOWN) + "\" " + SummaryText.bytes(size);
        }

        @Override
        public ObjectNode toJson() {
            ObjectNode json = header("text", size);
            json.put("text", text);
            return json;
        }
    }

    /** Anything else: bytes that are none of the above, or a malformed envelope. */
    record Binary(int size) implements StoredValue {
        @Override
        public String summary() {
            return "binary " + SummaryText.bytes(size);
        }

        @Override
        public ObjectNode toJson() {
            return header("binary", size);
        }
    }

    private static ObjectNode header(String type, int size) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("type", type);
        json.put("size", size);
        return json;
    }
}
