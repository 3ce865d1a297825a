package io.etcdbackup.agent.cli;

import io.etcdbackup.agent.config.EffectiveConfig;
import io.etcdbackup.agent.config.ProcessEnvironment;
import io.etcdbackup.agent.lifecycle.MemberSpec;
import io.etcdbackup.agent.member.EtcdConfigTemplate;
import io.etcdbackup.etcdprocess.EtcdBinaries;
import io.etcdbackup.restore.RestoreTarget;
import io.etcdbackup.restore.Restorer;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** Who a restored member becomes and how the restore runs; shared by {@code restore} and {@code initialize}. */
final class RestoreOptions {

    /** The tmpfs a 3.4 replay uses unless told otherwise: every Linux system and pod has it. */
    static final String TMPFS = "/dev/shm";

    private final Optional<String> pathVariable;

    /** @param env whose {@code PATH} is searched for etcd's binaries without {@code --etcd-bin-dir} */
    RestoreOptions(ProcessEnvironment env) {
        this.pathVariable = env.variable("PATH");
    }

    @Option(names = "--name", defaultValue = "default", description = "Member name (default: ${DEFAULT-VALUE}).")
    String name;

    @Option(names = "--initial-cluster", paramLabel = "NAME=URL[,...]",
            description = "Initial cluster of the restored member (default: NAME=http://localhost:2380).")
    String initialCluster;

    @Option(names = "--initial-advertise-peer-urls", defaultValue = "http://localhost:2380", paramLabel = "URL",
            description = "This member's peer URLs (default: ${DEFAULT-VALUE}).")
    String peerUrls;

    @Option(names = "--initial-cluster-token", defaultValue = "etcd-cluster", paramLabel = "TOKEN",
            description = "Token of the restored cluster (default: ${DEFAULT-VALUE}).")
    String token;

    @Option(names = "--etcd-bin-dir", paramLabel = "DIR",
            description = "Folder with etcd and etcdctl (and etcdutl on 3.5+); default: the PATH.")
    Path etcdBinDir;

    @Option(names = "--scratch-dir", paramLabel = "DIR",
            description = "Where downloads and the scratch etcd go (default: next to the data dir). A tmpfs makes replay faster.")
    Path scratchDir;

    @Option(names = "--tmpfs-scratch", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "On etcd 3.4 (no --unsafe-no-fsync), replay in " + TMPFS + " when it is a tmpfs with room and no "
                    + "--scratch-dir is given; --no-tmpfs-scratch turns this off (default: on). No effect on etcd 3.5+.")
    boolean tmpfsScratch;

    @Option(names = "--max-fetchers", defaultValue = "6", paramLabel = "N",
            description = "Delta segments downloaded in parallel ahead of replay (default: ${DEFAULT-VALUE}).")
    int maxFetchers;

    @Option(names = "--default-lease-ttl", defaultValue = "3600", paramLabel = "SECONDS",
            description = "TTL for replayed leases whose granted TTL was not recorded (default: ${DEFAULT-VALUE}).")
    long defaultLeaseTtl;

    @Mixin
    ReferenceRestoreOptions reference;

    /** The member a restore into {@code dataDir} produces. */
    RestoreTarget target(Path dataDir, boolean replaceExisting) {
        return target(dataDir, replaceExisting, name);
    }

    /** The member a restore into {@code dataDir} produces, named {@code memberName} (the pod's name under etcd-druid). */
    RestoreTarget target(Path dataDir, boolean replaceExisting, String memberName) {
        return new RestoreTarget(dataDir, memberName, initialCluster != null ? initialCluster : memberName + "=" + peerUrls, peerUrls,
                token, replaceExisting);
    }

    /**
     * As {@link #target(Path, boolean, String)}, with what etcd's configuration template says for
     * each value not given as an option (under etcd-druid the template is the membership's only
     * source: a restore that took the defaults would make every member a cluster of its own).
     */
    RestoreTarget target(Path dataDir, String memberName, EtcdConfigTemplate.Membership fromTemplate, List<URI> templatePeerUrls,
                         EffectiveConfig given) {
        String peers = given.given("--initial-advertise-peer-urls") ? peerUrls
                : String.join(",", templatePeerUrls.stream().map(URI::toString).toList());
        String cluster = initialCluster != null ? initialCluster : fromTemplate.initialCluster().orElse(memberName + "=" + peers);
        String clusterToken = given.given("--initial-cluster-token") ? token : fromTemplate.token().orElse(token);
        return new RestoreTarget(dataDir, memberName, cluster, peers, clusterToken, false);
    }

    /** The member these options describe, as the member reconciler matches it in etcd's member list. */
    MemberSpec memberSpec() {
        return new MemberSpec(name, Arrays.stream(peerUrls.split(",")).map(String::strip).filter(u -> !u.isEmpty())
                .map(URI::create).toList());
    }

    /** Locates the etcd binaries (the PATH unless {@code --etcd-bin-dir}) and bundles the restore settings. */
    Restorer.Settings settings() {
        return setup().settings();
    }

    /** How restores run, as values; the binaries are located only when {@link Setup#settings()} is asked. */
    Setup setup() {
        return new Setup(Optional.ofNullable(etcdBinDir), pathVariable, Optional.ofNullable(scratchDir), defaultLeaseTtl, maxFetchers,
                tmpfsScratch ? Optional.of(Path.of(TMPFS)) : Optional.empty());
    }

    /**
     * The restore options, parsed. Locating etcd's binaries runs {@code etcd --version}, so it waits
     * until a restore (or a check that one could run) is due.
     *
     * @param etcdBinDir   {@code --etcd-bin-dir}; without it the {@code PATH} is searched
     * @param pathVariable the process's {@code PATH}
     * @param scratchDir   {@code --scratch-dir}; without it scratch files go next to the data dir
     * @param tmpfsScratch the tmpfs a 3.4 replay may use; empty with {@code --no-tmpfs-scratch}
     */
    record Setup(Optional<Path> etcdBinDir, Optional<String> pathVariable, Optional<Path> scratchDir, long defaultLeaseTtl,
                 int maxFetchers, Optional<Path> tmpfsScratch) {

        /** Locates the etcd binaries and bundles the restore settings; throws {@link IllegalArgumentException} when they are missing. */
        Restorer.Settings settings() {
            EtcdBinaries binaries = EtcdBinaries.locate(etcdBinDir, pathVariable.orElse(null));
            return new Restorer.Settings(binaries, scratchDir.orElse(null), defaultLeaseTtl, maxFetchers, tmpfsScratch);
        }
    }

    /** Applies the reference's restore flags ({@code --restoration-temp-snapshots-dir} sets {@code --scratch-dir}). */
    void applyReference(EffectiveConfig config) {
        reference.apply(config);
    }

    /** Records bad values in {@code config}, after applying the reference's restore flags. */
    void validate(EffectiveConfig config) {
        applyReference(config);
        if (maxFetchers < 1) {
            config.reject("--max-fetchers", maxFetchers, "must be at least 1");
        }
        if (defaultLeaseTtl < 1) {
            config.reject("--default-lease-ttl", defaultLeaseTtl, "must be at least 1 second");
        }
        if (etcdBinDir != null && !Files.isDirectory(etcdBinDir)) {
            config.reject("--etcd-bin-dir", etcdBinDir, "not a directory");
        }
        if (initialCluster != null && Arrays.stream(initialCluster.split(",")).noneMatch(m -> m.strip().startsWith(name + "="))) {
            config.reject("--initial-cluster", initialCluster, "does not name this member (--name " + name + ")");
        }
    }
}
