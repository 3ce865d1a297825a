package io.etcdbackup.plugins.azure;

import com.azure.core.credential.AzureNamedKeyCredential;
import com.azure.core.http.HttpPipelineCallContext;
import com.azure.core.http.HttpPipelinePosition;
import com.azure.core.http.policy.HttpPipelineSyncPolicy;
import io.etcdbackup.stores.credentials.MountedSecret;

import java.io.IOException;

/**
 * Puts the account key that the mounted credentials hold now into the client's shared-key
 * credential before each call, so a rotated {@code storageKey} signs the next call without a new
 * client. Runs once per call, before the SDK's retries and its signing policy (which reads the
 * key from the same {@link AzureNamedKeyCredential} for every attempt). The files are read again
 * only after they change ({@link MountedSecret}).
 *
 * <p>The account is part of the endpoint, fixed when the store opens: a {@code storageAccount}
 * that changes fails each call rather than sign for one account and talk to another.
 */
final class MountedAccountKeyPolicy extends HttpPipelineSyncPolicy {

    private final MountedSecret mounted;
    private final String account;
    private final AzureNamedKeyCredential credential;
    private MountedSecret.Fields applied;

    MountedAccountKeyPolicy(MountedSecret mounted, String account, AzureNamedKeyCredential credential) {
        this.mounted = mounted;
        this.account = account;
        this.credential = credential;
    }

    @Override
    public HttpPipelinePosition getPipelinePosition() {
        return HttpPipelinePosition.PER_CALL;
    }

    @Override
    protected void beforeSendingRequest(HttpPipelineCallContext context) {
        refresh();
    }

    /** Reads the files (if they changed) and updates the credential (if the key changed). */
    synchronized void refresh() {
        MountedSecret.Fields now;
        try {
            now = mounted.read();
        } catch (IOException e) {
            throw new UnreadableCredentialsException(e.getMessage(), e);
        }
        if (now.equals(applied)) {
            return;
        }
        String nowAccount = now.orEmpty(AzureCredentials.STORAGE_ACCOUNT);
        if (!nowAccount.equals(account)) {
            throw new UnreadableCredentialsException(mounted + " now names the storage account '" + nowAccount
                    + "', but the store was opened for '" + account + "'; the account and its endpoint are fixed when the"
                    + " store opens: restart to use another account", null);
        }
        credential.update(account, now.orEmpty(AzureCredentials.STORAGE_KEY));
        applied = now;
    }

    /** The mounted credentials cannot be used for the next call; the message names the location and why. */
    static final class UnreadableCredentialsException extends RuntimeException {
        UnreadableCredentialsException(String message, IOException cause) {
            super(message, cause);
        }
    }
}
