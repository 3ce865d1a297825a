package io.etcdbackup.agent.values;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Tells what an etcd value is, for the commands and the HTTP API that show keys and values read from
 * backups. Most etcd clusters back Kubernetes, whose API server stores objects as protobuf
 * ({@code k8s\0...}), as JSON (custom resources), or encrypted at rest ({@code k8s:enc:...}).
 */
public final class StoredValues {

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    private static final byte[] ENCRYPTED = "k8s:enc:".getBytes(StandardCharsets.US_ASCII);
    /** provider, version, key name: {@code k8s:enc:aescbc:v1:key1:}, {@code k8s:enc:kms:v2:vault:}. */
    private static final Pattern[] ENCRYPTED_SEGMENTS = {
            Pattern.compile("[a-z0-9]+"), Pattern.compile("v[0-9]+"), Pattern.compile("[!-9;-~]+")};
    private static final int LONGEST_SEGMENT = 256;

    private StoredValues() {
    }

    /** {@link #describe(byte[], SecretData)} with Secrets {@linkplain SecretData#REDACTED redacted}. */
    public static StoredValue describe(byte[] value) {
        return describe(value, SecretData.REDACTED);
    }

    /**
     * What the value is, in this order: a Kubernetes protobuf object, a Kubernetes value encrypted at
     * rest, a JSON object or array, UTF-8 text, else binary. Never throws on any bytes: a malformed
     * envelope or JSON is described as the text or binary that it then is. Keeps nothing of the array.
     *
     * @param value an etcd value, not null; may be empty (then text)
     * @param secretData whether a Kubernetes Secret's values are shown
     */
    public static StoredValue describe(byte[] value, SecretData secretData) {
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(secretData, "secretData");
        Optional<KubernetesEnvelope> envelope = KubernetesEnvelope.parse(value);
        if (envelope.isPresent()) {
            Optional<ObjectNode> object = KubernetesObjects.decode(envelope.get());
            object.ifPresent(secretData::applyTo);
            return new StoredValue.KubernetesProtobuf(envelope.get().apiVersion(), envelope.get().kind(), value.length, object);
        }
        Optional<StoredValue> encrypted = encrypted(value);
        if (encrypted.isPresent()) {
            return encrypted.get();
        }
        if (startsLikeJsonContainer(value)) {
            Optional<JsonNode> json = parseJson(value);
            if (json.isPresent() && json.get().isContainerNode()) {
                if (json.get() instanceof ObjectNode object) {
                    secretData.applyTo(object);
                }
                return new StoredValue.Json(json.get(), value.length);
            }
        }
        Optional<String> text = text(value);
        if (text.isPresent()) {
            return new StoredValue.Text(text.get(), value.length);
        }
        return new StoredValue.Binary(value.length);
    }

    /** The bytes as one whole JSON value; empty when they are not (nothing, or something after it). */
    static Optional<JsonNode> parseJson(byte[] bytes) {
        try {
            JsonNode node = JSON.readTree(bytes);
            return node == null || node.isMissingNode() ? Optional.empty() : Optional.of(node);
        } catch (IOException notJson) {
            // JsonProcessingException, nesting or length limits included: not JSON for our purpose
            return Optional.empty();
        }
    }

    private static boolean startsLikeJsonContainer(byte[] value) {
        for (byte b : value) {
            if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
                return b == '{' || b == '[';
            }
        }
        return false;
    }

    /** {@code k8s:enc:<provider>:<version>:<keyName>:} with each segment well-formed, else empty. */
    private static Optional<StoredValue> encrypted(byte[] value) {
        if (!startsWith(value, ENCRYPTED)) {
            return Optional.empty();
        }
        String[] segments = new String[ENCRYPTED_SEGMENTS.length];
        int start = ENCRYPTED.length;
        for (int i = 0; i < segments.length; i++) {
            int end = indexOfColon(value, start, Math.min(value.length, start + LONGEST_SEGMENT + 1));
            if (end < 0) {
                return Optional.empty();
            }
            segments[i] = new String(value, start, end - start, StandardCharsets.US_ASCII);
            if (!ENCRYPTED_SEGMENTS[i].matcher(segments[i]).matches()) {
                return Optional.empty();
            }
            start = end + 1;
        }
        return Optional.of(new StoredValue.KubernetesEncrypted(segments[0], segments[1], segments[2], value.length));
    }

    /** Valid UTF-8 without control characters other than tab, line feed and carriage return. */
    private static Optional<String> text(byte[] value) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(value))
                    .toString();
        } catch (CharacterCodingException notUtf8) {
            return Optional.empty();
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isISOControl(c) && c != '\t' && c != '\n' && c != '\r') {
                return Optional.empty();
            }
        }
        return Optional.of(text);
    }

    private static boolean startsWith(byte[] value, byte[] prefix) {
        if (value.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (value[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static int indexOfColon(byte[] value, int from, int to) {
        for (int i = from; i < to; i++) {
            if (value[i] == ':') {
                return i;
            }
        }
        return -1;
    }
}
