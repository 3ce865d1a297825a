package io.etcdbackup.agent.cli;

import io.etcdbackup.agent.config.Durations;
import io.etcdbackup.agent.config.EffectiveConfig;
import io.etcdbackup.agent.lifecycle.JetcdMembership;
import io.etcdbackup.agent.lifecycle.MemberStartup;
import io.etcdbackup.agent.lifecycle.StartResult;
import io.etcdbackup.agent.member.EtcdConfigTemplate.ClusterState;
import io.etcdbackup.agent.restore.BackupSources;
import io.etcdbackup.restore.RestoreTarget;
import io.etcdbackup.restore.Restorer;
import io.etcdbackup.restore.init.DataDirValidator;
import io.etcdbackup.restore.init.InitializationOutcome;
import io.etcdbackup.restore.init.InitializationRequest;
import io.etcdbackup.restore.init.Initializer;
import io.etcdbackup.restore.init.ValidationMode;
import io.etcdbackup.snapshot.etcd.EtcdConnection;
import io.etcdbackup.stores.ObjectStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/** The init container: validate the data dir, then keep it, restore it, start fresh, or refuse. */
@Command(name = "initialize", mixinStandardHelpOptions = true,
        description = {"Prepare the data directory before etcd starts (the init container): validate it, then keep it, restore it "
                + "from the latest backup (missing, empty, invalid, or behind the backups), leave it empty for a new cluster "
                + "(no backups), or refuse with the reason (the volume belongs to another cluster; the store is unreachable "
                + "and the directory is doubtful; one member of a multi-member cluster lost its data).",
                "A member joining a running cluster (--initial-cluster-state existing) takes its data from its peers: "
                + "a valid data dir is kept, an empty one left empty, a damaged one refused.",
                "With --service-endpoints the member reconciler decides from the cluster's state: no member answers (a new "
                + "cluster, or the whole cluster down or lost: keep, restore with the whole membership, or fresh); this member "
                + "missing from a running cluster (join as a learner), added but never started, or listed with its data lost "
                + "(remove, move the data aside, add back as a learner); it waits while another learner catches up or the "
                + "cluster has no quorum. It prints the initial-cluster-state and initial-cluster etcd must start with.",
                "Exit codes: 0 kept, restored, fresh or joined; 1 the chosen action failed (a failed restore leaves the directory "
                + "as it was); 2 bad usage; 3 refused. The outcome goes to stdout, the reason of a failure or refusal to stderr."})
final class InitializeCommand implements Callable<Integer>, Main.Validated {

    /** Exit code of a refusal: distinct from 1 (something failed) so that scripts and operators can tell them apart. */
    static final int REFUSED = 3;

    @Mixin
    StoreOptions store;

    @Option(names = "--data-dir", required = true, paramLabel = "DIR", description = "The etcd data directory to prepare.")
    Path dataDir;

    @Option(names = "--mode", defaultValue = "full", paramLabel = "sanity|full",
            description = "sanity: layout and database (read whole by etcd's tool); full: also the WAL and raft snapshot "
                    + "files, read as etcd reads them at start-up (default: ${DEFAULT-VALUE}).")
    String mode;

    @Mixin
    SafeguardOption safeguard;

    @Option(names = "--initial-cluster-state", defaultValue = "new", paramLabel = "new|existing",
            description = "What etcd will be started with: 'existing' for a member added to a running cluster, which takes its "
                    + "data from its peers (an empty data dir is then left empty, never restored) (default: ${DEFAULT-VALUE}).")
    String initialClusterState;

    @Mixin
    RestoreOptions restore;

    @Mixin
    ServiceEndpointsOption service;

    @Mixin
    EtcdOptions etcd;

    @Option(names = "--wait-timeout", defaultValue = "10m", paramLabel = "DURATION",
            description = "With --service-endpoints: how long to keep asking while the member must wait (another learner is "
                    + "catching up, or the cluster has no quorum); then initialize refuses (exit 3) and the pod restarts "
                    + "(default: ${DEFAULT-VALUE}).")
    String waitTimeout;

    @Mixin
    EtcdConfigFileOptions etcdConfig;

    @Mixin
    ReferenceInitializeOptions reference;

    @Spec
    CommandSpec spec;

    @Override
    public List<String> problems() {
        EffectiveConfig config = new EffectiveConfig(spec);
        reference.apply(config);
        config.check("--mode", mode, ValidationMode::parse);
        safeguard.validate(config);
        if (!List.of("new", "existing").contains(initialClusterState)) {
            config.reject("--initial-cluster-state", initialClusterState, "must be new or existing");
        }
        store.validate(config);
        restore.validate(config);
        service.validate(config);
        etcd.validateCredentials(config);
        config.check("--endpoints", etcd.endpoints, EtcdConnection::parseEndpoints);
        config.check("--wait-timeout", waitTimeout, Durations::parse);
        config.check("--initial-advertise-peer-urls", restore.peerUrls, urls -> restore.memberSpec());
        etcdConfig.validate(config);
        return config.problems();
    }

    @Override
    public Integer call() throws Exception {
        Restorer.Settings settings = restore.settings();
        try (ObjectStore objects = store.open()) {
            String identity = safeguard.identity(objects);
            Initializer initializer = new Initializer(objects, BackupSources.planner(objects, store.encryption()), settings, Clock.systemUTC());
            Optional<List<URI>> cluster = service.endpoints().or(() -> Optional.ofNullable(etcd.endpoints).map(EtcdConnection::parseEndpoints));
            if (cluster.isPresent()) {
                return reconcile(initializer, settings, cluster.get(), identity);
            }
            RestoreTarget target = restore.target(dataDir, false);
            InitializationOutcome outcome = initializer.initialize(new InitializationRequest(target, ValidationMode.parse(mode), identity,
                    initialClusterState.equals("existing")));
            PrintWriter out = spec.commandLine().getOut();
            out.println("decision=" + outcome.decision() + " successful=" + outcome.successful() + " data_dir=" + dataDir.toAbsolutePath()
                    + " revision=" + (outcome.revision().isPresent() ? outcome.revision().getAsLong() : "none")
                    + " took=" + outcome.took().toMillis() + "ms reason=\"" + outcome.reason() + "\"");
            out.flush();
            return finish(outcome.successful(), outcome.decision() == InitializationOutcome.Decision.REFUSE, outcome.reason(),
                    initialClusterState.equals("existing") ? ClusterState.EXISTING : ClusterState.NEW, target.initialCluster());
        }
    }

    /** The member reconciler's start: decide from the cluster's state, act, and print what etcd must start with. */
    private int reconcile(Initializer initializer, Restorer.Settings settings, List<URI> cluster, String identity)
            throws InterruptedException {
        StartResult result;
        try (JetcdMembership membership = new JetcdMembership(etcd.clientsFor(cluster), cluster, cluster)) {
            MemberStartup startup = new MemberStartup(membership, initializer, new DataDirValidator(settings.binaries()), Clock.systemUTC(),
                    duration -> Thread.sleep(duration.toMillis()), Durations.parse(waitTimeout));
            result = startup.start(restore.memberSpec(), new InitializationRequest(restore.target(dataDir, false),
                    ValidationMode.parse(mode), identity));
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println("decision=" + result.decision() + " successful=" + result.successful() + " initial_cluster_state="
                + result.clusterState().label() + " initial_cluster=" + result.initialCluster() + " data_dir=" + dataDir.toAbsolutePath()
                + " revision=" + (result.revision().isPresent() ? result.revision().getAsLong() : "none") + " reason=\"" + result.reason()
                + "\"");
        out.flush();
        return finish(result.successful(), result.refused(), result.reason(), ClusterState.valueOf(result.clusterState().name()),
                result.initialCluster());
    }

    /** Writes etcd's configuration file after a success (when asked to), or reports the failure or refusal; returns the exit code. */
    private int finish(boolean successful, boolean refused, String reason, ClusterState state, String initialCluster) {
        if (successful) {
            try {
                etcdConfig.write(restore.name, state, initialCluster).ifPresent(file -> {
                    spec.commandLine().getOut().println("etcd_config=" + file.toAbsolutePath() + " initial_cluster_state=" + state.value());
                    spec.commandLine().getOut().flush();
                });
                return 0;
            } catch (IOException | RuntimeException e) {
                reason = "the data dir is ready, but etcd's configuration file cannot be written: " + e.getMessage();
            }
        }
        PrintWriter err = spec.commandLine().getErr();
        err.println("error: " + (refused ? "refused: " : "") + reason);
        err.flush();
        return refused ? REFUSED : 1;
    }
}
