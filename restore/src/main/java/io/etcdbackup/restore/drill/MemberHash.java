package io.etcdbackup.restore.drill;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.maintenance.HashKVResponse;
import io.etcdbackup.snapshot.EtcdBackupException;

import java.io.IOException;
import java.net.URI;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * etcd's own hash of one member's MVCC history ({@code HashKV}): a CRC-32C over every key
 * revision after the compaction point up to the requested revision (key, value, create and mod
 * revision, version, lease).
 *
 * @param hash            the unsigned 32-bit hash, as {@code etcdctl endpoint hashkv} prints it
 * @param compactRevision the member's compaction point the hash starts after
 */
record MemberHash(long hash, long compactRevision) {

    /** etcd's error when the revision is at or below the compaction point. */
    private static final String COMPACTED = "required revision has been compacted";

    /**
     * Hashes the history of the member at {@code endpoint} up to {@code revision}.
     *
     * @return empty when the member has compacted {@code revision}
     * @throws EtcdBackupException when the member does not answer, or refuses for another reason
     */
    static Optional<MemberHash> at(Client client, URI endpoint, long revision, long timeoutMinutes) throws IOException {
        try {
            HashKVResponse response = client.getMaintenanceClient().hashKV(endpoint.toString(), revision)
                    .get(timeoutMinutes, TimeUnit.MINUTES);
            return Optional.of(new MemberHash(Integer.toUnsignedLong(response.getHash()), response.getCompacted()));
        } catch (ExecutionException e) {
            if (saysCompacted(e)) {
                return Optional.empty();
            }
            throw new EtcdBackupException("etcd member " + endpoint + " did not hash its history at revision " + revision + ": "
                    + rootMessage(e), e);
        } catch (TimeoutException e) {
            throw new EtcdBackupException("etcd member " + endpoint + " did not hash its history at revision " + revision
                    + " within " + timeoutMinutes + " minutes", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while hashing " + endpoint + " at revision " + revision, e);
        }
    }

    private static boolean saysCompacted(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains(COMPACTED)) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
