package io.etcdbackup.agent.cli;

import io.etcdbackup.agent.backup.BackupService;
import io.etcdbackup.agent.backup.BackupState;
import io.etcdbackup.agent.backup.CompactionThresholds;
import io.etcdbackup.agent.backup.Maintenance;
import io.etcdbackup.agent.config.ByteSizes;
import io.etcdbackup.compaction.Compactor;
import io.etcdbackup.snapshot.merge.MergeRunner;
import io.etcdbackup.restore.Restorer;
import io.etcdbackup.snapshot.format.Codec;
import io.etcdbackup.agent.cluster.AgentDirectory;
import io.etcdbackup.agent.cluster.LeaderGatedBackup;
import io.etcdbackup.agent.drill.DrillRunner;
import io.etcdbackup.restore.drill.RestoreDrill;
import io.etcdbackup.agent.http.ServerTls;
import io.etcdbackup.agent.member.EtcdConfigService;
import io.etcdbackup.agent.member.EtcdConfigTemplate;
import io.etcdbackup.agent.member.InitializationService;
import io.etcdbackup.restore.init.InitializationRequest;
import io.etcdbackup.restore.init.Initializer;
import io.etcdbackup.snapshot.maintenance.ClusterDefragmenter;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.agent.metrics.BackupMetrics;
import io.etcdbackup.agent.schedule.ExecutorTaskScheduler;
import io.etcdbackup.agent.schedule.TaskScheduler;
import io.etcdbackup.agent.restore.BackupSources;
import io.etcdbackup.agent.backup.ContinuousBackup;
import io.etcdbackup.agent.schedule.CronSchedule;
import io.etcdbackup.agent.config.Durations;
import io.etcdbackup.agent.config.EffectiveConfig;
import io.etcdbackup.agent.config.ProcessEnvironment;
import io.etcdbackup.agent.http.HttpApi;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** The sidecar: leader-gated continuous capture and the HTTP API until SIGTERM. */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = "Run beside an etcd member: while it leads, continuous delta capture and scheduled full snapshots; "
                + "always the HTTP API (followers forward snapshot requests to the leader's agent). On SIGTERM, "
                + "publish the buffered deltas and exit 0.")
final class ServerCommand implements Callable<Integer>, Main.Validated {

    private static final Logger LOG = LoggerFactory.getLogger(ServerCommand.class);

    @Mixin
    EtcdOptions etcd;
    @Mixin
    StoreOptions store;
    @Mixin
    CaptureOptions capture;

    @Mixin
    RetentionOptions retention;

    @Option(names = "--gc-period", defaultValue = "1m", paramLabel = "DURATION",
            description = "Apply the retention policy this often; 0s disables it (default: ${DEFAULT-VALUE}).")
    String gcPeriod;

    @Option(names = "--full-schedule", defaultValue = "0 */1 * * *", paramLabel = "CRON",
            description = "Cron schedule (5 fields, UTC) for full snapshots; empty for none (default: ${DEFAULT-VALUE}).")
    String fullSchedule;

    // A string, so that a bad port is reported together with every other bad value.
    @Option(names = "--server-port", defaultValue = "8080", paramLabel = "PORT",
            description = "Port of the HTTP API and /metrics; 0 picks a free one, logged as http_port (default: ${DEFAULT-VALUE}).")
    String serverPort;

    @Option(names = "--api-token-file", paramLabel = "FILE",
            description = "File holding the bearer token that snapshot requests (/snapshot/*, POST /v1/snapshots/*) must present; "
                    + "without it they are not authenticated.")
    Path apiTokenFile;

    @Option(names = "--leader-check-period", defaultValue = "5s", paramLabel = "DURATION",
            description = "How often to ask the local etcd member whether it leads; only the leader's agent writes "
                    + "(default: ${DEFAULT-VALUE}).")
    String leaderCheckPeriod;

    @Option(names = "--advertise-url", paramLabel = "URL",
            description = "Where the other members' agents reach this one's HTTP API (published in the store, used to "
                    + "forward snapshot requests to the leader's agent); default: http://<host of the local member's first "
                    + "client URL>:<server port>.")
    String advertiseUrl;

    @Option(names = "--final-full-snapshot", defaultValue = "false", paramLabel = "BOOLEAN", arity = "0..1",
            description = "On SIGTERM, after publishing the buffered deltas, take a full snapshot if this agent leads "
                    + "(default: ${DEFAULT-VALUE}).")
    boolean finalFullSnapshot;

    @Option(names = "--server-cert", paramLabel = "FILE",
            description = "PEM certificate (chain) to serve the API over HTTPS with, together with --server-key; reloaded when "
                    + "the files change.")
    Path serverCert;

    @Option(names = "--server-key", paramLabel = "FILE", description = "PEM private key (unencrypted) of --server-cert.")
    Path serverKey;

    @Option(names = "--defrag-schedule", defaultValue = "0 0 */3 * *", paramLabel = "CRON",
            description = "Cron schedule (5 fields, UTC) on which the leader's agent defragments every member, learners and "
                    + "followers first, the leader last; empty for never (default: ${DEFAULT-VALUE}).")
    String defragSchedule;

    @Option(names = "--drill-schedule", defaultValue = "", paramLabel = "CRON",
            description = "Cron schedule (5 fields, UTC) on which the leader's agent runs a restore drill: the latest chain is "
                    + "restored into a scratch etcd member (under --scratch-dir) and etcd's HashKV of it compared with the local "
                    + "member's at the same revision; empty for never (default: never).")
    String drillSchedule;

    @Option(names = "--defrag-timeout", defaultValue = "8m", paramLabel = "DURATION",
            description = "Give up defragmenting a member after this long; the rest of that run is skipped (default: ${DEFAULT-VALUE}).")
    String defragTimeout;

    @Option(names = "--compaction-events", defaultValue = "1000000", paramLabel = "N",
            description = "Fold the chain into a new base (compaction, offline from the store, in the background) when this many "
                    + "delta events follow the newest full snapshot; 0 never (default: ${DEFAULT-VALUE}, the reference "
                    + "controller's).")
    String compactionEvents;

    @Option(names = "--compaction-bytes", defaultValue = "0", paramLabel = "BYTES",
            description = "Also compact when the delta segments since the base hold this many bytes; 0 never (default: ${DEFAULT-VALUE}).")
    String compactionBytes;

    @Option(names = "--max-restore-time", defaultValue = "0s", paramLabel = "DURATION",
            description = "Also compact when the predicted restore time of the latest state passes this; 0s never "
                    + "(default: ${DEFAULT-VALUE}).")
    String maxRestoreTime;

    @Option(names = "--merge-period", defaultValue = "10m", paramLabel = "DURATION",
            description = "Merge small delta segments into larger ones this often (see the merge command for the policy "
                    + "options); 0s never (default: ${DEFAULT-VALUE}).")
    String mergePeriod;

    @Mixin
    MergeOptions merge;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "The data directory of the etcd member beside this agent; enables /initialization/start, which "
                    + "validates it and restores it if needed, like the initialize command.")
    Path dataDir;

    @Mixin
    SafeguardOption safeguard;

    @Mixin
    RestoreOptions restore;

    @Option(names = "--etcd-config-template", paramLabel = "FILE",
            description = "etcd configuration file with ${POD_NAME}/${POD_NAMESPACE} placeholders; enables /config, which renders "
                    + "it for this member (--name) with initial-cluster-state set (see docs/operations.md).")
    Path etcdConfigTemplate;

    @Option(names = "--print-config",
            description = "Print the effective configuration (each option's value and whether it came from the default, "
                    + "the file, the environment or a flag) as YAML and exit; secrets are redacted.")
    boolean printConfig;

    @Spec
    CommandSpec spec;

    @Override
    public List<String> problems() {
        EffectiveConfig config = new EffectiveConfig(spec);
        etcd.validate(config);
        store.validate(config);
        capture.validate(config);
        retention.validate(config);
        config.check("--gc-period", gcPeriod, Durations::parse);
        config.check("--full-schedule", fullSchedule, ServerCommand::optionalCron);
        config.check("--server-port", serverPort, ServerCommand::port);
        config.check("--leader-check-period", leaderCheckPeriod, ServerCommand::positiveDuration);
        config.check("--advertise-url", advertiseUrl, ServerCommand::httpUrl);
        if ((serverCert == null) != (serverKey == null)) {
            config.reject(serverCert == null ? "--server-key" : "--server-cert", serverCert == null ? serverKey : serverCert,
                    "give both --server-cert and --server-key, or neither");
        } else if (serverCert != null) {
            try {
                ServerTls.validate(serverCert, serverKey);
            } catch (IllegalArgumentException e) {
                config.reject("--server-cert", serverCert, e.getMessage());
            }
        }
        config.check("--defrag-schedule", defragSchedule, ServerCommand::optionalCron);
        config.check("--defrag-timeout", defragTimeout, ServerCommand::positiveDuration);
        config.check("--compaction-events", compactionEvents, ServerCommand::count);
        config.check("--merge-period", mergePeriod, Durations::parse);
        merge.validate(config);
        config.check("--compaction-bytes", compactionBytes, ByteSizes::parse);
        config.check("--max-restore-time", maxRestoreTime, Durations::parse);
        safeguard.validate(config);
        config.check("--drill-schedule", drillSchedule, ServerCommand::optionalCron);
        if (dataDir != null || !drillSchedule.isBlank()) {
            restore.validate(config); // the restore options matter only for /initialization and drills
        }
        // A bad --etcd-bin-dir is reported by restore.validate already.
        if (!drillSchedule.isBlank() && (restore.etcdBinDir == null || Files.isDirectory(restore.etcdBinDir))) {
            try {
                restore.settings();
            } catch (IllegalArgumentException e) {
                config.reject("--drill-schedule", drillSchedule, "restore drills need etcd's binaries: " + e.getMessage());
            }
        }
        config.check("--etcd-config-template", etcdConfigTemplate == null ? null : etcdConfigTemplate.toString(),
                f -> EtcdConfigTemplate.load(Path.of(f)));
        // Only whether they can be read: secret contents are read when used, never for checking or printing.
        config.check("--api-token-file", apiTokenFile == null ? null : apiTokenFile.toString(), EtcdOptions::readable);
        return config.problems();
    }

    private static int port(String text) {
        try {
            int port = Integer.parseInt(text.trim());
            if (port >= 0 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("not a port number (0-65535)");
    }

    /** A cron schedule, or none for an empty value. */
    private static Optional<CronSchedule> optionalCron(String text) {
        return text.isBlank() ? Optional.empty() : Optional.of(CronSchedule.parse(text));
    }

    private static Duration positiveDuration(String text) {
        Duration d = Durations.parse(text);
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException("must be positive");
        }
        return d;
    }

    private static void httpUrl(String text) {
        if (text == null) {
            return;
        }
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URL: " + e.getMessage());
        }
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
            throw new IllegalArgumentException("must be an http:// or https:// URL with a host");
        }
    }

    @Override
    public Integer call() throws Exception {
        if (printConfig) {
            spec.commandLine().getOut().print(new EffectiveConfig(spec).yaml());
            spec.commandLine().getOut().flush();
            return 0;
        }
        HttpApi.Settings http = new HttpApi.Settings(port(serverPort), apiToken(),
                serverCert == null ? Optional.empty() : Optional.of(new HttpApi.Tls(serverCert, serverKey)));
        Optional<CronSchedule> defrag = optionalCron(defragSchedule);
        Optional<CronSchedule> schedule = optionalCron(fullSchedule);
        Optional<CronSchedule> drills = optionalCron(drillSchedule);
        Duration retentionPeriod = Durations.parse(gcPeriod);
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
        try (MeteredObjectStore objects = new MeteredObjectStore(store.open(), registry);
             BackupService service = new BackupService(etcd.clients(), objects, capture.settings(), ProcessEnvironment.writerId(), clock);
             TaskScheduler control = new ExecutorTaskScheduler(clock, "backup-control");
             TaskScheduler checks = new ExecutorTaskScheduler(clock, "leader-check");
             LeaderGatedBackup gate = new LeaderGatedBackup(service, () -> {
                 Maintenance maintenance = Maintenance.none();
                 if (!retentionPeriod.isZero()) {
                     maintenance = maintenance.withRetention(new Maintenance.Retention(retention.policy(), retention.grace(), retentionPeriod));
                 }
                 if (defrag.isPresent()) {
                     maintenance = maintenance.withDefragmentation(new Maintenance.Defragmentation(defrag.get(),
                             new ClusterDefragmenter(etcd.clients(), Durations.parse(defragTimeout), clock)));
                 }
                 Optional<Compactor> compactor = compactor(service, clock);
                 if (compactor.isPresent()) {
                     maintenance = maintenance.withCompaction(new Maintenance.Compaction(compactionThresholds(), compactor.get()));
                 }
                 Duration mergeEvery = Durations.parse(mergePeriod);
                 if (!mergeEvery.isZero()) {
                     Codec codec = service.settings().delta().codec();
                     maintenance = maintenance.withMerging(new Maintenance.Merging(
                             new MergeRunner(service.catalog(), merge.policy(), codec, service.settings().delta().level(), clock), mergeEvery));
                 }
                 return new ContinuousBackup(service, schedule, maintenance, control, metrics);
             }, new AgentDirectory(objects), Optional.ofNullable(advertiseUrl), http.scheme(), checks, Durations.parse(leaderCheckPeriod));
             InitializationService initialization = initialization(objects, metrics, clock);
             TaskScheduler drillThread = drills.isPresent() ? new ExecutorTaskScheduler(clock, "restore-drill") : null;
             DrillRunner drillRunner = drillThread == null ? null : drillRunner(objects, drills.get(), drillThread, gate);
             HttpApi api = new HttpApi(gate, service.catalog(), objects::health,
                     new HttpApi.MemberEndpoints(Optional.ofNullable(initialization), configService()), Optional.ofNullable(drillRunner),
                     registry, http, clock)) {
            LOG.info("server started store={} endpoints={} full_schedule=\"{}\" gc_policy={} gc_period={}", objects.location(),
                    etcd.endpoints, fullSchedule, retention.policy, gcPeriod);
            // Bind first: a taken port fails start-up before capture begins (503s until capture runs).
            int port = api.start();
            LOG.info("http api listening http_port={} authenticated={}", port, apiTokenFile != null);
            gate.start(port);
            if (drillRunner != null) {
                drillRunner.start();
            }
            stop.await();
            LOG.info("shutting down: publishing buffered deltas{}", finalFullSnapshot ? " and taking a final full snapshot" : "");
            if (finalFullSnapshot) {
                gate.active().ifPresent(ContinuousBackup::takeFinalFullOnClose);
            }
        }
        LOG.info("server stopped");
        return 0;
    }

    /** Restore drills on {@code schedule}, run by the leader's agent while it captures, under the scratch dir. */
    private DrillRunner drillRunner(ObjectStore objects, CronSchedule schedule, TaskScheduler thread, LeaderGatedBackup gate) {
        Restorer.Settings settings = restore.settings();
        Path scratch = settings.scratchRoot() != null ? settings.scratchRoot()
                : Path.of(System.getProperty("java.io.tmpdir"), "etcd-backup-agent-drill");
        RestoreDrill drill = new RestoreDrill(objects, BackupSources.planner(objects), etcd.clients(),
                new RestoreDrill.Settings(settings, scratch));
        LOG.info("restore drills scheduled drill_schedule=\"{}\" scratch_dir={}", schedule, scratch);
        return new DrillRunner(drill::run, schedule, thread,
                () -> gate.backupState().map(BackupState::capturing).orElse(false));
    }

    private CompactionThresholds compactionThresholds() {
        return new CompactionThresholds(count(compactionEvents), ByteSizes.parse(compactionBytes), Durations.parse(maxRestoreTime));
    }

    /** The in-process compactor, unless every threshold is off or etcd's binaries (needed to replay) are missing. */
    private Optional<Compactor> compactor(BackupService service, Clock clock) {
        CompactionThresholds thresholds = compactionThresholds();
        if (thresholds.events() == 0 && thresholds.bytes() == 0 && thresholds.maxRestoreTime().isZero()) {
            return Optional.empty();
        }
        try {
            Restorer.Settings settings = restore.settings();
            Path scratch = settings.scratchRoot() != null ? settings.scratchRoot()
                    : Path.of(System.getProperty("java.io.tmpdir"), "etcd-backup-agent-compaction");
            Codec codec = service.settings().delta().codec();
            return Optional.of(new Compactor(service.catalog(), new Compactor.Settings(settings, scratch, codec, codec.defaultLevel()), clock));
        } catch (RuntimeException e) {
            LOG.warn("compaction disabled: {}", e.getMessage());
            return Optional.empty();
        }
    }

    private static long count(String text) {
        try {
            long value = Long.parseLong(text.trim());
            if (value >= 0) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("not a count (0 or more)");
    }

    /** /initialization over the server's data dir; null (no endpoint) without --data-dir. */
    private InitializationService initialization(ObjectStore objects, BackupMetrics metrics, Clock clock) {
        if (dataDir == null) {
            return null;
        }
        Initializer initializer = new Initializer(objects, BackupSources.planner(objects), restore.settings(), clock);
        String identity = safeguard.identity(objects);
        return new InitializationService(initializer,
                mode -> new InitializationRequest(restore.target(dataDir, false), mode, identity), metrics);
    }

    private Optional<EtcdConfigService> configService() {
        if (etcdConfigTemplate == null) {
            return Optional.empty();
        }
        String namespace = ProcessEnvironment.variables().get("POD_NAMESPACE");
        EtcdConfigTemplate.MemberIdentity member = namespace == null || namespace.isBlank()
                ? EtcdConfigTemplate.MemberIdentity.of(restore.name) : EtcdConfigTemplate.MemberIdentity.of(restore.name, namespace);
        return Optional.of(new EtcdConfigService(EtcdConfigTemplate.load(etcdConfigTemplate), member, etcd.clients()));
    }

    private Optional<String> apiToken() throws IOException {
        if (apiTokenFile == null) {
            return Optional.empty();
        }
        String token = Files.readString(apiTokenFile, StandardCharsets.UTF_8).trim();
        if (token.isEmpty()) {
            throw new IllegalArgumentException("--api-token-file " + apiTokenFile + " is empty");
        }
        return Optional.of(token);
    }
}
