package io.etcdbackup.agent.values;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;

import java.math.BigInteger;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * A Kubernetes protobuf message as the API server's JSON shows it, walked field by field from its
 * schema. The wrapper types that Kubernetes writes as plain JSON values are unwrapped: Time and
 * MicroTime as RFC 3339, Quantity and IntOrString as their value, RawExtension, FieldsV1 and
 * apiextensions' JSON as the JSON they hold. Bytes are base64 (as in a Secret's data), 64-bit integers
 * numbers. Empty strings are left out, as Go's {@code omitempty} would; zeros and {@code false} are kept,
 * since the protobuf encoding writes an unset optional number or bool not at all.
 */
final class KubernetesProtobufJson {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String META = "k8s.io.apimachinery.pkg.apis.meta.v1.";
    private static final String TIME = META + "Time";
    private static final String MICRO_TIME = META + "MicroTime";
    private static final String FIELDS_V1 = META + "FieldsV1";
    private static final String QUANTITY = "k8s.io.apimachinery.pkg.api.resource.Quantity";
    private static final String INT_OR_STRING = "k8s.io.apimachinery.pkg.util.intstr.IntOrString";
    private static final String RAW_EXTENSION = "k8s.io.apimachinery.pkg.runtime.RawExtension";
    private static final String APIEXTENSIONS_JSON_V1 = "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.JSON";
    private static final String APIEXTENSIONS_JSON_V1BETA1 = "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1beta1.JSON";
    /** Go's RFC3339Micro, which MicroTime is written in. */
    private static final DateTimeFormatter RFC_3339_MICRO =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSXXX").withZone(ZoneOffset.UTC);
    private static final int INT_OR_STRING_IS_STRING = 1;

    private KubernetesProtobufJson() {
    }

    /** The message's set fields, in the order the schema declares them (the Go struct's, as kubectl shows). */
    static ObjectNode object(Message message) {
        ObjectNode object = NODES.objectNode();
        for (FieldDescriptor descriptor : message.getDescriptorForType().getFields()) {
            if (descriptor.isRepeated() ? message.getRepeatedFieldCount(descriptor) == 0 : !message.hasField(descriptor)) {
                continue;
            }
            JsonNode value;
            if (descriptor.isMapField()) {
                value = map(descriptor, (List<?>) message.getField(descriptor));
            } else if (descriptor.isRepeated()) {
                ArrayNode array = NODES.arrayNode();
                for (Object element : (List<?>) message.getField(descriptor)) {
                    array.add(value(descriptor, element));
                }
                value = array;
            } else {
                value = value(descriptor, message.getField(descriptor));
            }
            if (value.isTextual() && value.asText().isEmpty()) {
                continue;
            }
            object.set(descriptor.getName(), value);
        }
        return object;
    }

    /** A protobuf map (repeated key/value entries) as a JSON object; Kubernetes keys its maps by string. */
    private static ObjectNode map(FieldDescriptor field, List<?> entries) {
        FieldDescriptor key = field.getMessageType().findFieldByNumber(1);
        FieldDescriptor value = field.getMessageType().findFieldByNumber(2);
        ObjectNode object = NODES.objectNode();
        for (Object element : entries) {
            Message entry = (Message) element;
            object.set(String.valueOf(entry.getField(key)), value(value, entry.getField(value)));
        }
        return object;
    }

    private static JsonNode value(FieldDescriptor field, Object value) {
        return switch (field.getJavaType()) {
            case MESSAGE -> message((Message) value);
            case STRING -> NODES.textNode((String) value);
            case BYTE_STRING -> NODES.textNode(base64((ByteString) value));
            case BOOLEAN -> NODES.booleanNode((Boolean) value);
            case INT -> unsigned32(field) ? NODES.numberNode(Integer.toUnsignedLong((Integer) value)) : NODES.numberNode((Integer) value);
            case LONG -> unsigned64(field) && (Long) value < 0
                    ? NODES.numberNode(new BigInteger(Long.toUnsignedString((Long) value)))
                    : NODES.numberNode((Long) value);
            case FLOAT -> Float.isFinite((Float) value) ? NODES.numberNode((Float) value) : NODES.textNode(value.toString());
            case DOUBLE -> Double.isFinite((Double) value) ? NODES.numberNode((Double) value) : NODES.textNode(value.toString());
            case ENUM -> NODES.textNode(((EnumValueDescriptor) value).getName());
        };
    }

    /** A nested message: a wrapper type as the plain value it stands for, anything else as an object. */
    private static JsonNode message(Message message) {
        return switch (message.getDescriptorForType().getFullName()) {
            case TIME -> time(message).map(t -> (JsonNode) NODES.textNode(t.toString())).orElseGet(() -> object(message));
            case MICRO_TIME -> time(message).map(t -> (JsonNode) NODES.textNode(RFC_3339_MICRO.format(t))).orElseGet(() -> object(message));
            case QUANTITY -> NODES.textNode((String) field(message, "string"));
            case INT_OR_STRING -> ((Number) field(message, "type")).longValue() == INT_OR_STRING_IS_STRING
                    ? NODES.textNode((String) field(message, "strVal"))
                    : NODES.numberNode((Integer) field(message, "intVal"));
            case RAW_EXTENSION, APIEXTENSIONS_JSON_V1, APIEXTENSIONS_JSON_V1BETA1 -> embeddedJson((ByteString) field(message, "raw"));
            case FIELDS_V1 -> embeddedJson((ByteString) field(message, "Raw"));
            default -> object(message);
        };
    }

    /** Seconds and nanoseconds since the epoch; empty when out of Instant's range, then shown as numbers. */
    private static Optional<Instant> time(Message message) {
        try {
            long seconds = (Long) field(message, "seconds");
            int nanos = (Integer) field(message, "nanos");
            // Time is written to the second in JSON; MicroTime keeps the microseconds.
            return Optional.of(Instant.ofEpochSecond(seconds, TIME.equals(message.getDescriptorForType().getFullName()) ? 0 : nanos));
        } catch (DateTimeException | ArithmeticException outOfRange) {
            return Optional.empty();
        }
    }

    /** JSON kept as bytes inside the message; shown as base64 when it is not JSON (a RawExtension may hold protobuf). */
    private static JsonNode embeddedJson(ByteString raw) {
        return StoredValues.parseJson(raw.toByteArray()).orElseGet(() -> NODES.textNode(base64(raw)));
    }

    /** The value of a field by name, its default when unset. */
    private static Object field(Message message, String name) {
        FieldDescriptor field = message.getDescriptorForType().findFieldByName(name);
        if (field == null) {
            throw new IllegalStateException(message.getDescriptorForType().getFullName() + " has no field " + name);
        }
        return message.getField(field);
    }

    private static String base64(ByteString bytes) {
        return Base64.getEncoder().encodeToString(bytes.toByteArray());
    }

    private static boolean unsigned32(FieldDescriptor field) {
        return field.getType() == FieldDescriptor.Type.UINT32 || field.getType() == FieldDescriptor.Type.FIXED32;
    }

    private static boolean unsigned64(FieldDescriptor field) {
        return field.getType() == FieldDescriptor.Type.UINT64 || field.getType() == FieldDescriptor.Type.FIXED64;
    }
}
