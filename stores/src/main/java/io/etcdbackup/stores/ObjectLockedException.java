package io.etcdbackup.stores;

import java.io.IOException;
import java.time.Instant;
import java.util.Optional;

/**
 * The store refused to delete or replace an object because the object is locked: S3 Object Lock
 * (or a bucket policy denying deletion, which S3 reports the same way), an Azure immutability
 * policy or legal hold, a GCS retention policy or hold, an OSS WORM policy. Not transient: the
 * lock lasts until it expires or an administrator lifts it, so retrying soon only repeats the
 * answer. Nothing changed in the store.
 */
public final class ObjectLockedException extends IOException {
    private static final long serialVersionUID = 1L;
    private final String key;
    private final transient Instant lockedUntil;

    /**
     * @param location    where the store points, for the message
     * @param key         the object the store refused to change
     * @param reason      the provider's answer, e.g. {@code HTTP 409 BlobImmutableDueToPolicy}
     * @param lockedUntil when the lock expires, if the provider said so
     * @param cause       the provider's exception
     */
    public ObjectLockedException(String location, String key, String reason, Optional<Instant> lockedUntil, Throwable cause) {
        super("object '" + key + "' in " + location + " is locked against deletion and replacement"
                + lockedUntil.map(t -> " until " + t).orElse("") + ": " + reason, cause);
        this.key = key;
        this.lockedUntil = lockedUntil.orElse(null);
    }

    /** The object the store refused to change. */
    public String key() {
        return key;
    }

    /** When the lock expires, if the provider said so. */
    public Optional<Instant> lockedUntil() {
        return Optional.ofNullable(lockedUntil);
    }

    /** The {@link ObjectLockedException} in {@code failure}'s cause chain, if any. */
    public static Optional<ObjectLockedException> find(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof ObjectLockedException locked) {
                return Optional.of(locked);
            }
        }
        return Optional.empty();
    }
}
