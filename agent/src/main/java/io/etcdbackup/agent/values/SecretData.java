package io.etcdbackup.agent.values;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

/**
 * Whether {@link StoredValues#describe(byte[], SecretData)} shows what a Kubernetes Secret holds. Only
 * a decoded {@code v1} Secret (protobuf or JSON) is recognized: a Secret that the API server encrypted
 * at rest shows nothing of its content either way, and nothing can be told of other keys' values.
 */
public enum SecretData {

    /**
     * Each value of the Secret's {@code data} and {@code stringData} is replaced by {@value #REDACTION},
     * and so is its {@code kubectl.kubernetes.io/last-applied-configuration} annotation, which repeats
     * them. The keys, the metadata and the type stay.
     */
    REDACTED,

    /** As stored: {@code data} in base64, as kubectl shows it. */
    SHOWN;

    /** What a redacted value reads. */
    public static final String REDACTION = "<redacted>";

    private static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

    /** Redacts the object in place if it is a Secret and this is {@link #REDACTED}. */
    void applyTo(ObjectNode object) {
        if (this == SHOWN || !"v1".equals(object.path("apiVersion").asText()) || !"Secret".equals(object.path("kind").asText())) {
            return;
        }
        redactValues(object.get("data"));
        redactValues(object.get("stringData"));
        JsonNode annotations = object.path("metadata").path("annotations");
        if (annotations instanceof ObjectNode map && map.has(LAST_APPLIED)) {
            map.put(LAST_APPLIED, REDACTION);
        }
    }

    private static void redactValues(JsonNode node) {
        if (node instanceof ObjectNode map) {
            List<String> keys = new ArrayList<>();
            map.fieldNames().forEachRemaining(keys::add);
            keys.forEach(key -> map.put(key, REDACTION));
        }
    }
}
