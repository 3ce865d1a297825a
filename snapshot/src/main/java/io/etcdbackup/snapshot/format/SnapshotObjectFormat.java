package io.etcdbackup.snapshot.format;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The byte layout of every snapshot object:
 *
 * <pre>
 *   magic      8 bytes  "EBASNAP" 0x01
 *   headerLen  4 bytes  big-endian length of the header
 *   header     JSON     {@link ObjectHeader}, UTF-8
 *   payload    ...      content compressed with the header's codec
 *   trailer   48 bytes  bodyLength (8, big-endian: magic through payload),
 *                       contentLength (8: uncompressed payload bytes),
 *                       SHA-256 (32) of the body
 * </pre>
 *
 * The header comes first so a reader knows what it holds before reading on; the trailer comes
 * last so the object can be streamed without knowing its length in advance.
 *
 * <p>An encrypted object ({@link ObjectEncryption}) starts with "EBASNAP" 0x02 and has one more
 * block after the header, the encryption descriptor ({@code descLen} 4 bytes, then JSON
 * {@code {"scheme": ..., "keyId": ...}}); its payload is the compressed content encrypted with
 * the descriptor's key, every byte before the payload (magic, header, descriptor) being the
 * associated data the ciphertext authenticates. The header stays readable, so the catalog can
 * still be rebuilt from headers without the keys; the trailer's SHA-256 covers the ciphertext.
 */
public final class SnapshotObjectFormat {

    /** Version of this layout, also recorded in the header. */
    public static final int FORMAT_VERSION = 1;
    static final byte[] MAGIC = {'E', 'B', 'A', 'S', 'N', 'A', 'P', 1};
    static final byte[] MAGIC_ENCRYPTED = {'E', 'B', 'A', 'S', 'N', 'A', 'P', 2};
    static final int MAX_DESCRIPTOR_BYTES = 4096;
    static final int TRAILER_BYTES = 48;
    static final int MAX_HEADER_BYTES = 4 * 1024 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private SnapshotObjectFormat() {
    }

    static byte[] encodeHeader(ObjectHeader header) {
        try {
            return JSON.writeValueAsBytes(header);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode header " + header, e);
        }
    }

    /** The encryption block of an encrypted object: which scheme and which key encrypted its payload. */
    record EncryptionDescriptor(String scheme, long keyId) {
    }

    static byte[] encodeDescriptor(EncryptionDescriptor descriptor) {
        try {
            return JSON.writeValueAsBytes(descriptor);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode " + descriptor, e);
        }
    }

    static EncryptionDescriptor decodeDescriptor(String key, byte[] json) {
        try {
            return JSON.readValue(json, EncryptionDescriptor.class);
        } catch (IOException | IllegalArgumentException e) {
            throw new CorruptObjectException(key, "authentication failed: unreadable encryption block", e);
        }
    }

    static ObjectHeader decodeHeader(String key, byte[] json) {
        try {
            return JSON.readValue(json, ObjectHeader.class);
        } catch (IOException | IllegalArgumentException e) {
            throw new CorruptObjectException(key, "unreadable header: "
                    + new String(json, 0, Math.min(json.length, 200), StandardCharsets.UTF_8), e);
        }
    }
}
