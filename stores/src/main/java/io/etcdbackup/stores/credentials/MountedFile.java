package io.etcdbackup.stores.credentials;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * One credentials file mounted from a secret volume, kept parsed by a caller's parser and parsed
 * again after the file changes: for credentials whose file format is not {@link MountedSecret}'s
 * (fields as files, or a JSON object of scalar fields), such as a Google service-account key that
 * the Google library must read whole.
 *
 * <p>{@link #read()} is meant to be called before every store call. It compares the file's
 * {@link MountFingerprint} (modification time, size, identity, and the Kubernetes {@code ..data}
 * symlink swap) with the one of the last read, and reads the file again only when it differs; the
 * parser runs again only when the bytes differ too (a touched file keeps its parsed value, and so
 * whatever that value caches, e.g. an access token).
 *
 * <p>Safe for concurrent use. Never shows the file's contents: messages name the file and carry
 * the parser's message, which therefore must not quote the contents either.
 *
 * @param <T> what the parser makes of the file's bytes
 */
public final class MountedFile<T> {

    /** Turns the bytes of the file into the value {@link #read()} returns. */
    @FunctionalInterface
    public interface Parser<T> {
        /**
         * @throws IOException why the bytes are unusable, without quoting them (the file's name is added by the caller)
         */
        T parse(byte[] content) throws IOException;
    }

    private static final Logger LOG = LoggerFactory.getLogger(MountedFile.class);

    private final String what;
    private final Path file;
    private final Parser<T> parser;
    private String fingerprint;
    private byte[] digest;
    private T current;
    private long parses;

    private MountedFile(String what, Path file, Parser<T> parser) {
        this.what = what;
        this.file = file;
        this.parser = parser;
    }

    /**
     * Reads and parses the file once now, so that a missing or unusable file fails when the store
     * is opened.
     *
     * @param what   what the file is for, in messages (e.g. {@code "Google credentials (GOOGLE_APPLICATION_CREDENTIALS)"})
     * @param file   the file (a symlink into a secret volume is followed)
     * @param parser makes the value from the file's bytes
     * @throws IOException naming the file: it is missing, unreadable, or the parser refused it
     */
    public static <T> MountedFile<T> open(String what, Path file, Parser<T> parser) throws IOException {
        MountedFile<T> mounted = new MountedFile<>(what, file, parser);
        mounted.read();
        return mounted;
    }

    /**
     * The parsed file as it is now: the same value as the last call unless the file changed since,
     * in which case it is read and (if its bytes differ) parsed again. A file that fails to read or
     * parse throws, the previous value is not returned any more, and the next call tries again.
     *
     * @throws IOException naming the file and why; never quoting its contents
     */
    public synchronized T read() throws IOException {
        try {
            // The fingerprint is taken before reading: a change during the read is seen by the next call.
            String now = MountFingerprint.ofFile(what, file, "file");
            if (!now.equals(fingerprint)) {
                byte[] bytes = readBytes();
                try {
                    parseIfChanged(bytes);
                } finally {
                    Arrays.fill(bytes, (byte) 0);
                }
                fingerprint = now;
            }
            return current;
        } catch (IOException e) {
            // Nothing is known until a read succeeds: every call tries again, and a file that comes
            // back looking unchanged (a reused inode, the same size and mtime tick) is parsed again.
            fingerprint = null;
            digest = null;
            current = null;
            throw e;
        }
    }

    private byte[] readBytes() throws IOException {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IOException(what + ": cannot read the file '" + file + "': " + e, e);
        }
    }

    /** Parses {@code bytes} unless they are the ones parsed last (a touched file keeps its value). */
    private void parseIfChanged(byte[] bytes) throws IOException {
        byte[] read = sha256(bytes);
        if (Arrays.equals(read, digest)) {
            return;
        }
        try {
            current = parser.parse(bytes);
        } catch (IOException e) {
            throw new IOException(what + ": the file '" + file + "' is not usable: " + e.getMessage(), e);
        }
        digest = read;
        if (parses++ > 0) {
            LOG.info("mounted credentials file changed; parsed again what=\"{}\" location={}", what, file);
        }
    }

    /** The file. */
    public Path location() {
        return file;
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }

    /** Never shows the contents. */
    @Override
    public String toString() {
        return "MountedFile[" + what + " at " + file + "]";
    }
}
