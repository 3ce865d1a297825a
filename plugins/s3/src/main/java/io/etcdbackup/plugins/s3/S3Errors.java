package io.etcdbackup.plugins.s3;

import io.etcdbackup.stores.NoSuchObjectException;
import io.etcdbackup.stores.ObjectAlreadyExistsException;
import io.etcdbackup.stores.ObjectLockedException;
import io.etcdbackup.stores.TransientStoreException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

import java.io.IOException;
import java.util.Optional;
import java.util.Set;

/** Maps SDK failures to the store's exception types, in one place. */
final class S3Errors {

    private static final Set<String> TRANSIENT_CODES = Set.of("SlowDown", "Throttling", "ThrottlingException",
            "RequestTimeout", "RequestTimeTooSkewed", "InternalError", "ServiceUnavailable", "OperationAborted");

    private S3Errors() {
    }

    static String code(AwsServiceException e) {
        return e.awsErrorDetails() == null || e.awsErrorDetails().errorCode() == null ? "" : e.awsErrorDetails().errorCode();
    }

    static boolean isNotFound(SdkException e) {
        return e instanceof AwsServiceException s && s.statusCode() == 404 && !code(s).equals("NoSuchBucket")
                && !code(s).equals("NoSuchUpload");
    }

    static boolean isPreconditionFailed(SdkException e) {
        return e instanceof AwsServiceException s
                && (s.statusCode() == 412 || code(s).equals("PreconditionFailed") || code(s).equals("ConditionalRequestConflict"));
    }

    /** The server does not implement the call (501, or the code NotImplemented): an answer, not a failure to retry. */
    static boolean isNotImplemented(SdkException e) {
        return e instanceof AwsServiceException s && (s.statusCode() == 501 || code(s).equals("NotImplemented"));
    }

    static boolean isInvalidRange(SdkException e) {
        return e instanceof AwsServiceException s && (s.statusCode() == 416 || code(s).equals("InvalidRange"));
    }

    /**
     * Whether a refused DeleteObject means the object is locked: S3 answers 403 AccessDenied
     * both for Object Lock retention on a version and for a bucket policy denying deletion (the
     * usual guard of a backup bucket). Either way the object stays until someone lifts it.
     */
    static boolean isLocked(SdkException e) {
        return e instanceof AwsServiceException s && (s.statusCode() == 403 || code(s).equals("AccessDenied"));
    }

    /** The failure of a DeleteObject: {@link ObjectLockedException} when {@link #isLocked}, else as {@link #map}. */
    static IOException mapDelete(SdkException e, String location, String key) {
        if (isLocked(e)) {
            return new ObjectLockedException(location, key, describe(e), Optional.empty(), e);
        }
        return map(e, "DeleteObject", location, key);
    }

    /** Wraps {@code e} as the one exception the caller sees, naming the operation, key and location. */
    static IOException map(SdkException e, String operation, String location, String key) {
        if (isNotFound(e)) {
            return new NoSuchObjectException(location, key, e);
        }
        if (isPreconditionFailed(e)) {
            ObjectAlreadyExistsException exists = new ObjectAlreadyExistsException(location, key);
            exists.initCause(e);
            return exists;
        }
        String message = "S3 " + operation + " of '" + key + "' in " + location + " failed: " + describe(e);
        if (e instanceof AwsServiceException s) {
            int status = s.statusCode();
            if (status == 429 || status >= 500 || TRANSIENT_CODES.contains(code(s))) {
                return new TransientStoreException(message, e);
            }
            return new IOException(message, e);
        }
        if (e instanceof SdkClientException && (e.getCause() instanceof IOException || e.retryable())) {
            return new TransientStoreException(message, e);
        }
        return new IOException(message, e);
    }

    private static String describe(SdkException e) {
        if (e instanceof AwsServiceException s) {
            return "HTTP " + s.statusCode() + " " + code(s) + (s.awsErrorDetails() != null && s.awsErrorDetails().errorMessage() != null
                    ? " (" + s.awsErrorDetails().errorMessage() + ")" : "");
        }
        return e.getMessage();
    }
}
