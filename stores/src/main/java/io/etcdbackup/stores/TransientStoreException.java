package io.etcdbackup.stores;

import java.io.IOException;

/**
 * A failure that may well succeed when the same call is made again a little later: throttling
 * (HTTP 429, S3 {@code SlowDown}, 503), a 5xx from the backend, a connection reset or timeout.
 * Providers wrap such failures in this type so the retry decorator
 * ({@code io.etcdbackup.stores.retry.RetryingObjectStore}) can tell them from permanent ones
 * (bad credentials, missing bucket, a refused precondition), which are never retried.
 */
public class TransientStoreException extends IOException {
    private static final long serialVersionUID = 1L;

    public TransientStoreException(String message) {
        super(message);
    }

    public TransientStoreException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Whether {@code failure} or one of its causes is a {@link TransientStoreException}. */
    public static boolean isTransient(Throwable failure) {
        int depth = 0;
        for (Throwable t = failure; t != null && depth < 10; t = t.getCause(), depth++) {
            if (t instanceof TransientStoreException) {
                return true;
            }
            if (t instanceof NoSuchObjectException || t instanceof ObjectAlreadyExistsException) {
                return false;
            }
        }
        return false;
    }
}
