package io.etcdbackup.agent.cli;

import io.etcdbackup.restore.RestorePlan;
import io.etcdbackup.restore.RestorePlanner;
import io.etcdbackup.restore.RestoreTarget;
import io.etcdbackup.restore.Restorer;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.etcd.EtcdBinaries;
import io.etcdbackup.agent.config.ProcessEnvironment;
import io.etcdbackup.stores.ObjectStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;

/** Restore a data directory from the store. */
@Command(name = "restore", mixinStandardHelpOptions = true,
        description = "Build an etcd data directory from the latest full snapshot and its deltas. "
                + "Works in <data-dir>.part and swaps it in at the end: a failed restore leaves the old directory.")
final class RestoreCommand implements Callable<Integer> {

    @Mixin
    StoreOptions store;

    @Option(names = "--data-dir", required = true, paramLabel = "DIR", description = "The data directory to produce.")
    Path dataDir;

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

    @Option(names = "--replace-existing", description = "Replace a non-empty data directory (only after a successful restore).")
    boolean replaceExisting;

    @Option(names = "--etcd-bin-dir", paramLabel = "DIR",
            description = "Folder with etcd and etcdctl (and etcdutl on 3.5+); default: the PATH.")
    Path etcdBinDir;

    @Option(names = "--scratch-dir", paramLabel = "DIR",
            description = "Where downloads and the scratch etcd go (default: next to the data dir). A tmpfs makes replay faster.")
    Path scratchDir;

    @Option(names = "--max-fetchers", defaultValue = "6", paramLabel = "N",
            description = "Delta segments downloaded in parallel ahead of replay (default: ${DEFAULT-VALUE}).")
    int maxFetchers;

    @Option(names = "--default-lease-ttl", defaultValue = "3600", paramLabel = "SECONDS",
            description = "TTL for replayed leases whose granted TTL was not recorded (default: ${DEFAULT-VALUE}).")
    long defaultLeaseTtl;

    @Override
    public Integer call() throws Exception {
        EtcdBinaries binaries = EtcdBinaries.locate(Optional.ofNullable(etcdBinDir), ProcessEnvironment.variables().get("PATH"));
        RestoreTarget target = new RestoreTarget(dataDir, name,
                initialCluster != null ? initialCluster : name + "=" + peerUrls, peerUrls, token, replaceExisting);
        try (ObjectStore objects = store.open()) {
            RestorePlan plan = new RestorePlanner(new Catalog(objects)).latest();
            Restorer.Result result = new Restorer(objects, new Restorer.Settings(binaries, scratchDir, defaultLeaseTtl, maxFetchers))
                    .restore(plan, target);
            System.out.println("restored " + result.dataDir() + " revision=" + result.revision() + " objects=" + result.objects()
                    + " bytes=" + result.bytes() + " took=" + result.took().toMillis() + "ms");
            return 0;
        }
    }
}
