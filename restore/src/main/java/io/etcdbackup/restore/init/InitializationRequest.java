package io.etcdbackup.restore.init;

import io.etcdbackup.restore.RestoreTarget;

import java.util.Objects;

/**
 * What {@link Initializer#initialize} works on.
 *
 * @param target   the data directory, and the member it becomes if it is restored (name, initial
 *                 cluster, peer URLs, token). Its {@code replaceExisting} flag is not used: the
 *                 initializer replaces a directory exactly when it decides to restore it. More
 *                 than one member in the initial cluster makes it a multi-member cluster, for
 *                 which the initializer never restores a single member on its own
 * @param mode     how deeply to validate the data directory
 * @param identity who the data belongs to: compared with, and written into, the data directory's
 *                 {@link Safeguard} file; by convention the store location of the backups, or an
 *                 id the operator chose. Not blank, one line
 * @param joining  whether etcd will start with {@code --initial-cluster-state=existing}: the member
 *                 was added to a running cluster and takes its data from its peers, so an empty
 *                 directory is what it needs and backups are not its source
 * @param clusterDown whether the member reconciler found that no member of the multi-member
 *                    cluster answers (a whole-cluster outage or loss): a missing, empty or invalid
 *                    directory is then restored from the latest backup with the whole membership,
 *                    as every other member whose data is gone restores the same revision (they
 *                    read the catalog while no member runs, so no agent writes it), instead of
 *                    being refused as ambiguous
 */
public record InitializationRequest(RestoreTarget target, ValidationMode mode, String identity, boolean joining,
                                    boolean clusterDown) {

    public InitializationRequest {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(identity, "identity");
        if (identity.isBlank() || identity.contains("\n")) {
            throw new IllegalArgumentException("the safeguard identity must be one non-blank line, got '" + identity + "'");
        }
        if (joining && clusterDown) {
            throw new IllegalArgumentException("a member cannot join a cluster that no member of answers");
        }
    }

    /** A request without the reconciler's knowledge of the cluster ({@code clusterDown} false). */
    public InitializationRequest(RestoreTarget target, ValidationMode mode, String identity, boolean joining) {
        this(target, mode, identity, joining, false);
    }

    /** A request for a member that starts a cluster ({@code --initial-cluster-state=new}, etcd's default). */
    public InitializationRequest(RestoreTarget target, ValidationMode mode, String identity) {
        this(target, mode, identity, false, false);
    }

    /** Whether the initial cluster names more than one member. */
    public boolean multiMember() {
        String cluster = target.initialCluster();
        return cluster != null && java.util.Arrays.stream(cluster.split(",")).filter(s -> !s.isBlank()).count() > 1;
    }
}
