package io.etcdbackup.restore;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where and as which member to restore; the membership fields mean what they mean to etcd.
 *
 * @param dataDir                  the data directory to produce
 * @param name                     member name
 * @param initialCluster           {@code name=peerURL,...}
 * @param initialAdvertisePeerUrls this member's peer URLs
 * @param initialClusterToken      the new cluster's token
 * @param replaceExisting          whether a non-empty {@code dataDir} may be replaced
 * @param bumpRevision             raise the restored revision by this much (0: not at all), so
 *                                 that clients' cached revisions (Kubernetes resourceVersions)
 *                                 stay behind the new cluster's; needs etcdutl 3.5.8+
 * @param markCompacted            mark every revision up to the bumped one as compacted, so that
 *                                 watchers from before the restore must re-list (with a bump)
 */
public record RestoreTarget(Path dataDir, String name, String initialCluster, String initialAdvertisePeerUrls,
                            String initialClusterToken, boolean replaceExisting, long bumpRevision, boolean markCompacted) {

    public RestoreTarget {
        Objects.requireNonNull(dataDir, "dataDir");
        dataDir = dataDir.toAbsolutePath().normalize();
        if (bumpRevision < 0) {
            throw new IllegalArgumentException("the revision bump must not be negative, got " + bumpRevision);
        }
        if (markCompacted && bumpRevision == 0) {
            throw new IllegalArgumentException("--mark-compacted needs --bump-revision (etcd marks the bumped revisions compacted)");
        }
    }

    /** A target without a revision bump. */
    public RestoreTarget(Path dataDir, String name, String initialCluster, String initialAdvertisePeerUrls,
                         String initialClusterToken, boolean replaceExisting) {
        this(dataDir, name, initialCluster, initialAdvertisePeerUrls, initialClusterToken, replaceExisting, 0, false);
    }

    /** etcd's own defaults for a single member. */
    public static RestoreTarget singleMember(Path dataDir, boolean replaceExisting) {
        return new RestoreTarget(dataDir, "default", "default=http://localhost:2380", "http://localhost:2380",
                "etcd-cluster", replaceExisting);
    }

    /** This target with the revision raised by {@code bump} and, if asked, marked compacted. */
    public RestoreTarget withBump(long bump, boolean compacted) {
        return new RestoreTarget(dataDir, name, initialCluster, initialAdvertisePeerUrls, initialClusterToken, replaceExisting,
                bump, compacted);
    }
}
