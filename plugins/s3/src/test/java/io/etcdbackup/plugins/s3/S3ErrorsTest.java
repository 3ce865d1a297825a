package io.etcdbackup.plugins.s3;

import io.etcdbackup.stores.ObjectLockedException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.s3.model.S3Exception;

import static org.assertj.core.api.Assertions.assertThat;

/** S3's answers become the SPI's exceptions; no network. */
final class S3ErrorsTest {

    @Test
    void aDeletionRefusedWithAccessDeniedIsALock() {
        // S3's answer to deleting a version under Object Lock retention, and to a bucket policy denying deletion
        var refused = error(403, "AccessDenied", "Access Denied because object protected by object lock.");
        assertThat(S3Errors.mapDelete(refused, "s3://b/p", "k")).isInstanceOf(ObjectLockedException.class)
                .hasMessageContaining("AccessDenied").hasMessageContaining("'k'");
    }

    @Test
    void accessDeniedOnAnythingButADeletionIsAPlainFailure() {
        var refused = error(403, "AccessDenied", "Access Denied");
        assertThat(S3Errors.map(refused, "GetObject", "s3://b/p", "k")).isNotInstanceOf(ObjectLockedException.class)
                .hasMessageContaining("403");
    }

    @Test
    void otherDeletionFailuresAreNotLocks() {
        assertThat(S3Errors.mapDelete(error(500, "InternalError", "oops"), "s3://b/p", "k")).isNotInstanceOf(ObjectLockedException.class);
    }

    private static S3Exception error(int status, String code, String message) {
        return (S3Exception) S3Exception.builder().statusCode(status)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage(message).build()).build();
    }

    @Test
    void notImplementedIsRecognised() {
        assertThat(S3Errors.isNotImplemented(error(501, "NotImplemented", "A header you provided implies functionality that is not implemented"))).isTrue();
        assertThat(S3Errors.isNotImplemented(error(500, "InternalError", "oops"))).isFalse();
    }
}
