package io.etcdbackup.snapshot.crypto;

import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.StreamingAead;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import com.google.crypto.tink.streamingaead.AesGcmHkdfStreamingParameters;
import com.google.crypto.tink.streamingaead.StreamingAeadConfig;
import io.etcdbackup.snapshot.format.MissingKeyException;
import io.etcdbackup.snapshot.format.ObjectEncryption;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * A key set for {@link ObjectEncryption}, in Tink's JSON keyset format (a file, mounted from a
 * Secret): several AES256-GCM-HKDF streaming keys (1 MiB segments), each with an id. The primary
 * (newest) key encrypts; every key decrypts, so old backups stay readable after a rotation.
 *
 * <p>Tink's streaming AEAD authenticates every segment and the end of the stream: a changed,
 * dropped, reordered or truncated segment fails, and so does a different header (the associated
 * data). Memory: one segment per open stream.
 */
public final class EncryptionKeySet implements ObjectEncryption {

    /** The Tink parameters every key of a generated key set has. */
    static final String KEY_TEMPLATE = "AES256_GCM_HKDF_1MB";

    static {
        try {
            StreamingAeadConfig.register();
        } catch (GeneralSecurityException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String source;
    private final KeysetHandle keys;
    private final StreamingAead aead;
    private final List<Long> keyIds;

    private EncryptionKeySet(String source, KeysetHandle keys) throws GeneralSecurityException {
        this.source = source;
        this.keys = keys;
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            ids.add(Integer.toUnsignedLong(keys.getAt(i).getId()));
            if (!(keys.getAt(i).getKey().getParameters() instanceof AesGcmHkdfStreamingParameters)) {
                throw new GeneralSecurityException("key " + ids.get(i) + " is not an AES-GCM-HKDF streaming key ("
                        + keys.getAt(i).getKey().getParameters() + ")");
            }
        }
        this.keyIds = List.copyOf(ids);
        this.aead = keys.getPrimitive(StreamingAead.class);
    }

    /**
     * Reads a key set file.
     *
     * @throws IllegalArgumentException naming the file when it cannot be read, is not a Tink JSON
     *                                  key set, or holds a key of another kind (no key material is
     *                                  ever put in a message)
     */
    public static EncryptionKeySet load(Path file) {
        String json;
        try {
            json = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("encryption key set " + file + " cannot be read: " + e, e);
        }
        try {
            return new EncryptionKeySet(file.toString(), TinkJsonProtoKeysetFormat.parseKeyset(json, InsecureSecretKeyAccess.get()));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException("encryption key set " + file + " is not a usable Tink JSON key set of streaming "
                    + "AES-GCM-HKDF keys: " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()), e);
        }
    }

    /**
     * Creates a key set with one key in {@code file}, or, when the file exists, adds a new key to it
     * and makes that key the one that encrypts (a rotation: the older keys stay, for reading). The
     * file is replaced whole (a temporary file, then a rename), readable by its owner only.
     *
     * @return the key set now in the file
     */
    public static EncryptionKeySet generate(Path file) throws IOException {
        try {
            KeysetHandle keys;
            if (Files.exists(file)) {
                keys = KeysetHandle.newBuilder(load(file).keys)
                        .addEntry(KeysetHandle.generateEntryFromParametersName(KEY_TEMPLATE).withRandomId().makePrimary()).build();
            } else {
                keys = KeysetHandle.generateNew(com.google.crypto.tink.KeyTemplates.get(KEY_TEMPLATE));
            }
            String json = TinkJsonProtoKeysetFormat.serializeKeyset(keys, InsecureSecretKeyAccess.get());
            Path part = file.resolveSibling(file.getFileName() + ".part");
            Files.deleteIfExists(part);
            Files.createFile(part, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(part, json, StandardCharsets.UTF_8);
            Files.move(part, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return new EncryptionKeySet(file.toString(), keys);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot generate a key in " + file + ": " + e.getMessage(), e);
        }
    }

    /** The ids of every key, in the file's order (Tink's ids are unsigned 32-bit). */
    public List<Long> keyIds() {
        return keyIds;
    }

    @Override
    public OptionalLong encryptingKey() {
        return OptionalLong.of(Integer.toUnsignedLong(keys.getPrimary().getId()));
    }

    @Override
    public OutputStream encrypt(OutputStream ciphertext, byte[] associatedData) throws IOException {
        try {
            return aead.newEncryptingStream(ciphertext, associatedData);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot start encrypting with key " + encryptingKey().getAsLong() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public InputStream decrypt(String objectKey, long keyId, InputStream ciphertext, byte[] associatedData) throws IOException {
        if (!keyIds().contains(keyId)) {
            throw new MissingKeyException(objectKey, keyId, "the key set " + source + " does not hold it (it holds " + keyIds() + ")");
        }
        try {
            return aead.newDecryptingStream(ciphertext, associatedData);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot start decrypting " + objectKey + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "key set " + source + " (keys " + keyIds() + ", encrypting with " + encryptingKey().getAsLong() + ")";
    }
}
