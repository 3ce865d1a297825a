package io.etcdbackup.agent.cli;

import io.etcdbackup.agent.backup.BackupListener;
import io.etcdbackup.agent.backup.BackupService;
import io.etcdbackup.agent.backup.BackupState;
import io.etcdbackup.agent.backup.ContinuousBackup;
import io.etcdbackup.agent.backup.Maintenance;
import io.etcdbackup.agent.cluster.AgentDirectory;
import io.etcdbackup.agent.cluster.LeaderGatedBackup;
import io.etcdbackup.agent.config.EffectiveConfig;
import io.etcdbackup.agent.config.ProcessEnvironment;
import io.etcdbackup.agent.drill.DrillRunner;
import io.etcdbackup.agent.http.HttpApi;
import io.etcdbackup.agent.kubernetes.StatefulSetReplicas;
import io.etcdbackup.agent.lease.LeaseRenewal;
import io.etcdbackup.agent.lifecycle.AsideData;
import io.etcdbackup.agent.lifecycle.JetcdMembership;
import io.etcdbackup.agent.lifecycle.LifecycleSettings;
import io.etcdbackup.agent.lifecycle.MemberReconciler;
import io.etcdbackup.agent.lifecycle.MemberStartup;
import io.etcdbackup.agent.member.EtcdConfigService;
import io.etcdbackup.agent.member.InitializationService;
import io.etcdbackup.agent.metrics.BackupMetrics;
import io.etcdbackup.agent.restore.BackupSources;
import io.etcdbackup.agent.schedule.ExecutorTaskScheduler;
import io.etcdbackup.agent.schedule.TaskScheduler;
import io.etcdbackup.compaction.Compactor;
import io.etcdbackup.restore.Restorer;
import io.etcdbackup.restore.drill.RestoreDrill;
import io.etcdbackup.restore.init.DataDirValidator;
import io.etcdbackup.restore.init.InitializationRequest;
import io.etcdbackup.restore.init.Initializer;
import io.etcdbackup.snapshot.etcd.EtcdClients;
import io.etcdbackup.snapshot.format.Codec;
import io.etcdbackup.snapshot.maintenance.ClusterDefragmenter;
import io.etcdbackup.snapshot.merge.MergeRunner;
import io.etcdbackup.agent.backup.SecondarySite;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.CatalogWriter;
import io.etcdbackup.snapshot.retention.RetentionRunner;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.metrics.MeteredObjectStore;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import sun.misc.Signal;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;

/** The sidecar: leader-gated continuous capture and the HTTP API until SIGTERM. */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = "Run beside an etcd member: while it leads, continuous delta capture and scheduled full snapshots; "
                + "always the HTTP API (followers forward snapshot requests to the leader's agent). On SIGTERM, "
                + "publish the buffered deltas and exit 0.")
final class ServerCommand implements Callable<Integer>, Main.Validated {

    /** The second store's credentials: the provider's variables with this prefix come first. */
    static final String SECONDARY_PREFIX = "SECONDARY_";

    private static final Logger LOG = LoggerFactory.getLogger(ServerCommand.class);

    private final ProcessEnvironment env;

    @Mixin
    ServerOptions options;

    @Option(names = "--print-config",
            description = "Print the effective configuration (each option's value and whether it came from the default, "
                    + "the file, the environment or a flag) as YAML and exit; secrets are redacted.")
    boolean printConfig;

    @Spec
    CommandSpec spec;

    /** The options, parsed by {@link #problems()} when they are all good. */
    private ServerConfig parsed;

    /** @param env this process's: who writes, {@code POD_NAMESPACE}, the temporary folder */
    ServerCommand(ProcessEnvironment env) {
        this.env = env;
    }

    /** The effective values as checked, including those the reference's flags set (for --print-config). */
    private EffectiveConfig checked;

    @Override
    public List<String> problems() {
        checked = new EffectiveConfig(spec);
        parsed = options.parse(checked, env).orElse(null);
        return checked.problems();
    }

    /** The parsed options: Main checks them ({@link #problems()}) before it runs the command, so they are parsed once. */
    private ServerConfig config() {
        if (parsed == null) {
            List<String> problems = problems();
            if (parsed == null) {
                throw new IllegalStateException("bad configuration: " + String.join("; ", problems));
            }
        }
        return parsed;
    }

    @Override
    public Integer call() throws Exception {
        if (printConfig) {
            spec.commandLine().getOut().print((checked != null ? checked : new EffectiveConfig(spec)).yaml());
            spec.commandLine().getOut().flush();
            return 0;
        }
        ServerConfig config = config();
        HttpApi.Settings http = config.http().settings(apiToken(config.http().tokenFile()));
        removeLeftovers(config);
        CountDownLatch stop = new CountDownLatch(1);
        // Handle SIGTERM/SIGINT ourselves so that the final flush completes and the exit code is 0.
        Signal.handle(new Signal("TERM"), s -> stop.countDown());
        Signal.handle(new Signal("INT"), s -> stop.countDown());
        // One registry for the process, passed down; nothing registers globally.
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        BackupMetrics metrics = new BackupMetrics(registry);
        Clock clock = Clock.systemUTC();
        // Closed in reverse order: the API stops answering, the gate publishes the buffered deltas,
        // then the schedulers stop, then the etcd client and the store close.
        // Metered outside the retries: one call per operation as the backup sees it, latency including retries.
        try (MeteredObjectStore objects = new MeteredObjectStore(options.store.open(), registry);
             ObjectStore secondary = config.backup().secondary().isEmpty() ? null
                     : StoreOptions.open(config.backup().secondary().get().url(), env.storeContext(SECONDARY_PREFIX));
             BackupService service = new BackupService(options.etcd.clients(), objects, options.store.encryption(), config.capture(),
                     env.writerId(), clock);
             TaskScheduler control = new ExecutorTaskScheduler(clock, "backup-control");
             TaskScheduler checks = new ExecutorTaskScheduler(clock, "leader-check");
             LeaseRenewal leases = config.leases().map(l -> LeaseRenewal.start(l, options.etcd.clients(), clock)).orElse(null);
             LeaderGatedBackup gate = new LeaderGatedBackup(service,
                     () -> startBackup(config.backup(), service, Optional.ofNullable(secondary), control, listener(metrics, leases), clock),
                     new AgentDirectory(objects), config.leadership().advertiseUrl(), http.scheme(), checks,
                     config.leadership().checkPeriod());
             InitializationService initialization = initialization(config, objects, metrics, clock);
             StatefulSetReplicas replicas = config.lifecycle().flatMap(LifecycleSettings::statefulSet)
                     .map(set -> StatefulSetReplicas.inCluster(set.namespace(), set.name(), clock)).orElse(null);
             MemberReconciler reconciler = config.lifecycle().map(l -> reconciler(l, membership(l), service, replicas, clock)).orElse(null);
             // Closed before the reconciler: no round runs on a closed client.
             TaskScheduler reconcilerThread = config.lifecycle().isEmpty() ? null : new ExecutorTaskScheduler(clock, "member-reconciler");
             TaskScheduler drillThread = config.drill().isPresent() ? new ExecutorTaskScheduler(clock, "restore-drill") : null;
             DrillRunner drillRunner = drillThread == null ? null : drillRunner(objects, config.drill().get(), drillThread, gate);
             HttpApi api = new HttpApi(gate, service.catalog(), objects::health,
                     new HttpApi.MemberEndpoints(Optional.ofNullable(initialization), configService(config.member(), initialization),
                             Optional.ofNullable(reconciler)),
                     Optional.ofNullable(drillRunner), registry, http, clock)) {
            LOG.info("server started store={} endpoints={} full_schedule=\"{}\" gc_policy={} gc_period={}", objects.location(),
                    options.etcd.endpoints, options.fullSchedule, options.retention.policy, options.gcPeriod);
            // Bind first: a taken port fails start-up before capture begins (503s until capture runs).
            int port = api.start();
            LOG.info("http api listening http_port={} authenticated={}", port, http.token().isPresent());
            gate.start(port);
            if (reconciler != null) {
                reconciler.runEvery(reconcilerThread, config.leadership().checkPeriod());
            }
            if (drillRunner != null) {
                drillRunner.start();
            }
            stop.await();
            boolean finalFull = config.backup().finalFullSnapshot();
            LOG.info("shutting down: publishing buffered deltas final_full_snapshot={}", finalFull);
            if (finalFull) {
                gate.active().ifPresent(ContinuousBackup::takeFinalFullOnClose);
            }
        }
        LOG.info("server stopped");
        return 0;
    }

    /** The leader's continuous backup, configured from {@code backup}; the gate starts one each time this member leads. */
    private ContinuousBackup startBackup(ServerConfig.Backup backup, BackupService service, Optional<ObjectStore> secondary,
                                         TaskScheduler control, BackupListener listener, Clock clock) {
        Maintenance maintenance = Maintenance.none();
        if (secondary.isPresent()) {
            Catalog target = new Catalog(secondary.get(), new CatalogWriter(secondary.get(), env.writerId(), clock))
                    .withEncryption(service.catalog().encryption());
            maintenance = maintenance.withSecondary(new SecondarySite(service.catalog(), target, backup.retention()
                    .map(r -> new RetentionRunner(target, r.policy(), r.grace(), clock)), backup.secondary().orElseThrow().period(), clock));
        }
        Optional<ServerConfig.Retention> retention = backup.retention();
        if (retention.isPresent()) {
            ServerConfig.Retention r = retention.get();
            maintenance = maintenance.withRetention(new Maintenance.Retention(r.policy(), r.grace(), r.period()));
        }
        Optional<ServerConfig.Defrag> defrag = backup.defrag();
        if (defrag.isPresent()) {
            maintenance = maintenance.withDefragmentation(new Maintenance.Defragmentation(defrag.get().schedule(),
                    new ClusterDefragmenter(options.etcd.clients(), defrag.get().timeout(), clock)));
        }
        Optional<ServerConfig.Compaction> compaction = backup.compaction();
        Optional<Compactor> compactor = compaction.flatMap(c -> compactor(c, service, clock));
        if (compactor.isPresent()) {
            maintenance = maintenance.withCompaction(new Maintenance.Compaction(compaction.get().thresholds(), compactor.get()));
        }
        Optional<ServerConfig.Merge> merge = backup.merge();
        if (merge.isPresent()) {
            Codec codec = service.settings().delta().codec();
            maintenance = maintenance.withMerging(new Maintenance.Merging(
                    new MergeRunner(service.catalog(), merge.get().policy(), codec, service.settings().delta().level(), clock),
                    merge.get().period()));
        }
        return new ContinuousBackup(service, backup.fullSchedule(), maintenance, control, listener);
    }

    /** The member list seen through the local member (else the service endpoints); changes sent to the service endpoints. */
    private JetcdMembership membership(LifecycleSettings lifecycle) {
        EtcdClients clients = options.etcd.clients();
        List<URI> observe = new ArrayList<>(List.of(clients.connection().localEndpoint()));
        observe.addAll(lifecycle.serviceEndpoints()); // a learner lists no members: its peers are asked then
        return new JetcdMembership(clients, observe, lifecycle.serviceEndpoints());
    }

    /** The member reconciler; the newest backed-up revision for its quorum-loss runbook is read from the catalog when asked. */
    private static MemberReconciler reconciler(LifecycleSettings lifecycle, JetcdMembership membership, BackupService service,
                                               StatefulSetReplicas replicas, Clock clock) {
        LOG.info("member reconciler on member={} service_endpoints={} cluster_size={} removal_grace_s={}", lifecycle.self().name(),
                lifecycle.serviceEndpoints(), lifecycle.clusterSize().isPresent() ? lifecycle.clusterSize().getAsInt()
                        : lifecycle.statefulSet().map(set -> "statefulset/" + set.name()).orElse("unset"),
                lifecycle.removalGrace().toSeconds());
        Supplier<OptionalInt> desiredSize = replicas != null ? replicas : lifecycle::clusterSize;
        Supplier<OptionalLong> newest = () -> {
            try {
                return service.catalog().latest().map(g -> OptionalLong.of(g.lastRevision())).orElse(OptionalLong.empty());
            } catch (IOException | RuntimeException e) {
                LOG.warn("newest backed-up revision unknown", e);
                return OptionalLong.empty();
            }
        };
        return new MemberReconciler(membership, lifecycle.self(), desiredSize, lifecycle.dataDir().map(AsideData::new),
                lifecycle.removalGrace(), newest, clock);
    }

    /** Who hears of the backup's snapshots: the metrics, and the snapshot Leases when they are renewed. */
    private static BackupListener listener(BackupMetrics metrics, LeaseRenewal leases) {
        return leases == null ? metrics : BackupListener.all(List.of(metrics, leases.backupListener()));
    }

    /** The in-process compactor, unless etcd's binaries (needed to replay) are missing. */
    private static Optional<Compactor> compactor(ServerConfig.Compaction compaction, BackupService service, Clock clock) {
        try {
            Restorer.Settings settings = compaction.restore().settings();
            Codec codec = service.settings().delta().codec();
            return Optional.of(new Compactor(service.catalog(),
                    new Compactor.Settings(settings, compaction.scratch(), codec, codec.defaultLevel()), clock));
        } catch (RuntimeException e) {
            LOG.warn("compaction disabled reason=\"{}\"", e.getMessage(), e);
            return Optional.empty();
        }
    }

    /** What removes a task's leftovers from its scratch directory. */
    @FunctionalInterface
    private interface LeftoverRemoval {
        List<Path> remove() throws IOException;
    }

    /**
     * Removes, once when the process starts (before any task can run), what a compaction or a
     * restore drill killed midway (kill -9, OOM kill, eviction) left in its scratch directory, which
     * survives a container's restart: without it each kill would leave a database there. Key
     * listings clean theirs when the HTTP API starts. Configured or not, each task's directory is
     * swept. A failure is logged; the server still runs.
     */
    private static void removeLeftovers(ServerConfig config) {
        config.backup().compaction().ifPresent(c -> logLeftovers("compaction", () -> Compactor.removeLeftovers(c.scratch())));
        config.drill().ifPresent(d -> logLeftovers("restore drill", () -> RestoreDrill.removeLeftovers(d.settings().scratchRoot())));
    }

    private static void logLeftovers(String task, LeftoverRemoval removal) {
        try {
            for (Path left : removal.remove()) {
                LOG.info("removed scratch files a killed task left task=\"{}\" path={}", task, left);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot remove scratch files a killed task left task=\"{}\"", task, e);
        }
    }

    /** Restore drills, run by the leader's agent while it captures, under the scratch dir. */
    private DrillRunner drillRunner(ObjectStore objects, ServerConfig.Drill drill, TaskScheduler thread, LeaderGatedBackup gate) {
        RestoreDrill restoreDrill = new RestoreDrill(objects, BackupSources.planner(objects, options.store.encryption()), options.etcd.clients(),
                drill.settings());
        LOG.info("restore drills scheduled drill_schedule=\"{}\" scratch_dir={}", drill.schedule(), drill.settings().scratchRoot());
        return new DrillRunner(restoreDrill::run, drill.schedule(), thread,
                () -> gate.backupState().map(BackupState::capturing).orElse(false));
    }

    /**
     * /initialization over the server's data dir; null (no endpoint) without --data-dir. With the
     * member reconciler, a start runs the reconciler's start (as {@code initialize --service-endpoints}).
     */
    private InitializationService initialization(ServerConfig config, ObjectStore objects, BackupMetrics metrics, Clock clock) {
        if (config.member().initialization().isEmpty()) {
            return null;
        }
        ServerConfig.Initialization init = config.member().initialization().get();
        Restorer.Settings settings = init.restore().settings();
        Initializer initializer = new Initializer(objects, BackupSources.planner(objects, options.store.encryption()), settings, clock);
        String identity = init.identity(objects);
        Optional<InitializationService.MemberStart> reconciled = config.lifecycle().map(lifecycle -> mode -> {
            List<URI> cluster = lifecycle.serviceEndpoints();
            try (JetcdMembership membership = new JetcdMembership(options.etcd.clientsFor(cluster), cluster, cluster)) {
                return new MemberStartup(membership, initializer, new DataDirValidator(settings.binaries()), clock,
                        pause -> Thread.sleep(pause.toMillis()), MemberStartup.DEFAULT_WAIT_TIMEOUT)
                        .start(lifecycle.self(), new InitializationRequest(init.target(), mode, identity));
            }
        });
        return new InitializationService(initializer, mode -> new InitializationRequest(init.target(), mode, identity), reconciled,
                metrics);
    }

    /** /config, rendering etcd's configuration template for this member; none without --etcd-config-template. */
    private Optional<EtcdConfigService> configService(ServerConfig.Member member, InitializationService initialization) {
        return member.etcdConfig().map(c -> new EtcdConfigService(c.template(), c.identity(), options.etcd.clients(),
                initialization == null ? Optional::empty : initialization::lastStart));
    }

    private static Optional<String> apiToken(Optional<Path> file) throws IOException {
        if (file.isEmpty()) {
            return Optional.empty();
        }
        String token = Files.readString(file.get(), StandardCharsets.UTF_8).trim();
        if (token.isEmpty()) {
            throw new IllegalArgumentException("--api-token-file " + file.get() + " is empty");
        }
        return Optional.of(token);
    }
}
