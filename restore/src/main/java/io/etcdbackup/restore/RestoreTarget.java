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
 */
public record RestoreTarget(Path dataDir, String name, String initialCluster, String initialAdvertisePeerUrls,
                            String initialClusterToken, boolean replaceExisting) {

    public RestoreTarget {
        Objects.requireNonNull(dataDir, "dataDir");
        dataDir = dataDir.toAbsolutePath().normalize();
    }

    /** etcd's own defaults for a single member. */
    public static RestoreTarget singleMember(Path dataDir, boolean replaceExisting) {
        return new RestoreTarget(dataDir, "default", "default=http://localhost:2380", "http://localhost:2380",
                "etcd-cluster", replaceExisting);
    }
}
