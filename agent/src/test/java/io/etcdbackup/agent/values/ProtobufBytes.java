package io.etcdbackup.agent.values;

import com.google.protobuf.CodedOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Protobuf written by hand, field by field with the numbers of Kubernetes' generated.proto, as the
 * API server writes it: the tests' own reading of the wire format, independent of the schemas that
 * the production code decodes with.
 */
final class ProtobufBytes {

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final CodedOutputStream out = CodedOutputStream.newInstance(bytes);

    private ProtobufBytes() {
    }

    static ProtobufBytes message() {
        return new ProtobufBytes();
    }

    /**
     * What the API server stores for an object: {@code k8s\0}, then a runtime.Unknown holding the
     * TypeMeta, the object's bytes, and the empty content encoding and type it always writes.
     */
    static byte[] kubernetesEnvelope(String apiVersion, String kind, ProtobufBytes object) {
        byte[] unknown = message()
                .message(1, message().string(1, apiVersion).string(2, kind))
                .bytes(2, object.toByteArray())
                .string(3, "")
                .string(4, "")
                .toByteArray();
        byte[] value = new byte[4 + unknown.length];
        System.arraycopy("k8s\0".getBytes(StandardCharsets.US_ASCII), 0, value, 0, 4);
        System.arraycopy(unknown, 0, value, 4, unknown.length);
        return value;
    }

    ProtobufBytes string(int field, String value) {
        return write(() -> out.writeString(field, value));
    }

    ProtobufBytes bytes(int field, byte[] value) {
        return write(() -> out.writeByteArray(field, value));
    }

    ProtobufBytes varint(int field, long value) {
        return write(() -> out.writeInt64(field, value));
    }

    ProtobufBytes message(int field, ProtobufBytes message) {
        return bytes(field, message.toByteArray());
    }

    /** One entry of a {@code map<string, string>}: a message with the key as field 1, the value as field 2. */
    ProtobufBytes mapEntry(int field, String key, String value) {
        return message(field, message().string(1, key).string(2, value));
    }

    ProtobufBytes mapEntry(int field, String key, ProtobufBytes value) {
        return message(field, message().string(1, key).message(2, value));
    }

    byte[] toByteArray() {
        return write(out::flush).bytes.toByteArray();
    }

    private interface Write {
        void run() throws IOException;
    }

    private ProtobufBytes write(Write write) {
        try {
            write.run();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }
}
