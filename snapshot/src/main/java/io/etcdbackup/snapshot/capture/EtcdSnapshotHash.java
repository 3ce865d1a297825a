package io.etcdbackup.snapshot.capture;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Checks the SHA-256 etcd appends to a snapshot stream: digests every byte except the last 32,
 * which must equal the digest. Streaming: only the last 32 bytes are held back.
 */
final class EtcdSnapshotHash {

    static final int HASH_BYTES = 32;

    private final MessageDigest digest;
    private final byte[] tail = new byte[HASH_BYTES];
    private int tailLength;
    private long total;

    EtcdSnapshotHash() {
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    void update(byte[] b, int off, int len) {
        total += len;
        int combined = tailLength + len;
        if (combined <= HASH_BYTES) {
            System.arraycopy(b, off, tail, tailLength, len);
            tailLength = combined;
            return;
        }
        int release = combined - HASH_BYTES; // bytes certainly not part of the trailing hash
        int fromTail = Math.min(release, tailLength);
        digest.update(tail, 0, fromTail);
        int fromInput = release - fromTail;
        digest.update(b, off, fromInput);
        byte[] newTail = new byte[HASH_BYTES];
        int keptFromTail = tailLength - fromTail;
        System.arraycopy(tail, fromTail, newTail, 0, keptFromTail);
        System.arraycopy(b, off + fromInput, newTail, keptFromTail, len - fromInput);
        System.arraycopy(newTail, 0, tail, 0, HASH_BYTES);
        tailLength = HASH_BYTES;
    }

    /** Whether the stream ended with the SHA-256 of everything before it. */
    boolean matches() {
        return tailLength == HASH_BYTES && MessageDigest.isEqual(digest.digest(), tail);
    }

    /** Bytes seen, hash included. */
    long total() {
        return total;
    }
}
