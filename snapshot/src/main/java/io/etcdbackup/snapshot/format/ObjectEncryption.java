package io.etcdbackup.snapshot.format;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.OptionalLong;

/**
 * How the contents of snapshot objects are encrypted: new objects with the key set's newest key,
 * existing objects with the key each one names, so that keys can be rotated without re-encrypting
 * old backups. The header of an object stays readable (the catalog is built from headers) and is
 * bound to the ciphertext: changing any byte of either fails authentication.
 *
 * <p>{@link #NONE} writes objects in the clear and refuses to read encrypted ones, naming their key.
 * Implementations are thread-safe; each stream they return is used by one thread.
 */
public interface ObjectEncryption {

    /** The scheme recorded in encrypted objects (Tink's streaming AEAD AES256-GCM-HKDF, 1 MiB segments). */
    String SCHEME = "tink-streaming-aead-aes256-gcm-hkdf-1mb";

    /** No key set: objects are written in the clear; reading an encrypted object fails with {@link MissingKeyException}. */
    ObjectEncryption NONE = new ObjectEncryption() {
        @Override
        public OptionalLong encryptingKey() {
            return OptionalLong.empty();
        }

        @Override
        public OutputStream encrypt(OutputStream ciphertext, byte[] associatedData) {
            throw new IllegalStateException("no encryption key set");
        }

        @Override
        public InputStream decrypt(String objectKey, long keyId, InputStream ciphertext, byte[] associatedData) throws MissingKeyException {
            throw new MissingKeyException(objectKey, keyId, "no encryption key set was given");
        }

        @Override
        public String toString() {
            return "no encryption";
        }
    };

    /** The id of the key new objects are encrypted with; empty when they are written in the clear. */
    OptionalLong encryptingKey();

    /**
     * A stream that encrypts what is written to it into {@code ciphertext} with the key of
     * {@link #encryptingKey()}, authenticating {@code associatedData} too. Closing it writes the
     * last segment and closes {@code ciphertext}. Memory: one segment.
     *
     * @throws IllegalStateException when {@link #encryptingKey()} is empty
     */
    OutputStream encrypt(OutputStream ciphertext, byte[] associatedData) throws IOException;

    /**
     * A stream of the plaintext of {@code ciphertext}, which key {@code keyId} encrypted with
     * {@code associatedData}. Reads fail with an {@link IOException} when authentication fails.
     *
     * @param objectKey the object's key, for messages
     * @throws MissingKeyException when there is no key {@code keyId}, naming it and the keys there are
     */
    InputStream decrypt(String objectKey, long keyId, InputStream ciphertext, byte[] associatedData) throws IOException;
}
