package io.etcdbackup.plugins.s3;

import io.etcdbackup.stores.NoSuchObjectException;
import io.etcdbackup.stores.ObjectAlreadyExistsException;
import io.etcdbackup.stores.TransientStoreException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

import java.io.IOException;
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

    static boolean isInvalidRange(SdkException e) {
        return e instanceof AwsServiceException s && (s.statusCode() == 416 || code(s).equals("InvalidRange"));
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
