package io.etcdbackup.agent.cli;

import io.etcdbackup.agent.backup.CompactionThresholds;
import io.etcdbackup.agent.config.ByteSizes;
import io.etcdbackup.agent.config.Durations;
import io.etcdbackup.agent.config.EffectiveConfig;
import io.etcdbackup.agent.config.ProcessEnvironment;
import io.etcdbackup.agent.http.ForwardingTrust;
import io.etcdbackup.agent.http.HttpApi;
import io.etcdbackup.agent.http.ServerTls;
import io.etcdbackup.agent.lease.LeaseSettings;
import io.etcdbackup.agent.lifecycle.LifecycleSettings;
import io.etcdbackup.agent.member.EtcdConfigTemplate;
import io.etcdbackup.agent.schedule.CronSchedule;
import io.etcdbackup.restore.RestoreTarget;
import io.etcdbackup.restore.Restorer;
import io.etcdbackup.restore.drill.RestoreDrill;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The {@code server} command's options as picocli fills them (strings, so that every bad value is
 * reported at once with its origin), and their parsing into one {@link ServerConfig}.
 */
final class ServerOptions {

    /** Where etcd-druid mounts etcd's configuration (its ConfigMap), which the reference renders for {@code /config}. */
    static final Path DRUID_CONFIG_TEMPLATE = Path.of("/var/etcd/config/etcd.conf.yaml");

    @Mixin
    EtcdOptions etcd;
    @Mixin
    StoreOptions store;
    @Mixin
    CaptureOptions capture;

    @Mixin
    RetentionOptions retention;

    @Mixin
    LeaseOptions leases;

    @Mixin
    LifecycleOptions lifecycle;

    @Mixin
    ReferenceServerOptions reference;

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

    @Option(names = "--server-ca", paramLabel = "FILE",
            description = "PEM CA certificate(s) that issued the agents' API certificates: trusted, besides the JVM's CAs, when "
                    + "this agent forwards a request to the leader's agent over HTTPS (needs --server-cert).")
    Path serverCa;

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

    @Option(names = "--secondary-store", paramLabel = "STORE_URL",
            description = "A second store the leader's agent keeps in sync (the reference's dual site): every --secondary-sync-period it "
                    + "copies what is missing there (checked, encrypted with --encryption-key-file like the primary) and applies "
                    + "retention there. Its credentials: the provider's variables prefixed SECONDARY_ (else the unprefixed ones).")
    String secondaryStore;

    @Option(names = {"--secondary-sync-period", "--secondary-backup-sync-period"}, defaultValue = "1h", paramLabel = "DURATION",
            description = "How often the second store is synced (default: ${DEFAULT-VALUE}).")
    String secondarySyncPeriod;

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
                    + "it for this member (--name, else POD_NAME) with initial-cluster-state set (see docs/operations.md). "
                    + "Default: $ETCD_CONF, else /var/etcd/config/etcd.conf.yaml when it exists (where etcd-druid mounts it).")
    Path etcdConfigTemplate;

    /**
     * Parses and checks every option once. Each bad value is recorded in {@code checks}, naming the
     * option, the value, its origin and why; then the result is empty.
     *
     * @param env the process's environment: {@code POD_NAMESPACE}, {@code POD_NAME} and the temporary folder
     */
    Optional<ServerConfig> parse(EffectiveConfig checks, ProcessEnvironment env) {
        reference.apply(checks); // the reference's flags (etcd-druid's arguments) set our options first
        restore.applyReference(checks);
        etcd.validate(checks);
        store.validate(checks);
        capture.validate(checks);
        retention.validate(checks);
        Optional<Duration> retentionPeriod = checks.parse("--gc-period", gcPeriod, Durations::parse);
        Optional<CronSchedule> full = checks.parse("--full-schedule", fullSchedule, ServerOptions::optionalCron);
        Optional<Integer> port = checks.parse("--server-port", serverPort, ServerOptions::port);
        Optional<Duration> leaderCheck = checks.parse("--leader-check-period", leaderCheckPeriod, ServerOptions::positiveDuration);
        Optional<String> advertise = checks.parse("--advertise-url", advertiseUrl, ServerOptions::httpUrl);
        Optional<HttpApi.Tls> tls = tls(checks);
        Optional<CronSchedule> defrag = checks.parse("--defrag-schedule", defragSchedule, ServerOptions::optionalCron);
        Optional<Duration> defragLimit = checks.parse("--defrag-timeout", defragTimeout, ServerOptions::positiveDuration);
        Optional<Long> events = checks.parse("--compaction-events", compactionEvents, ServerOptions::count);
        Optional<Duration> mergeEvery = checks.parse("--merge-period", mergePeriod, Durations::parse);
        Optional<Duration> secondaryEvery = checks.parse("--secondary-sync-period", secondarySyncPeriod, ServerOptions::positiveDuration);
        checks.check("--secondary-store", secondaryStore, io.etcdbackup.stores.StoreUrl::parse);
        merge.validate(checks);
        Optional<Long> bytes = checks.parse("--compaction-bytes", compactionBytes, ByteSizes::parse);
        Optional<Duration> restoreTime = checks.parse("--max-restore-time", maxRestoreTime, Durations::parse);
        safeguard.validate(checks);
        Optional<CronSchedule> drills = checks.parse("--drill-schedule", drillSchedule, ServerOptions::optionalCron);
        Optional<Restorer.Settings> drillRestore = drillRestore(checks);
        Optional<EtcdConfigTemplate> template = checks.parse("--etcd-config-template",
                configTemplate(env).map(Path::toString).orElse(null), f -> EtcdConfigTemplate.load(Path.of(f)));
        // Under etcd-druid the member's name is the pod's: no --name is passed.
        String memberName = checks.given("--name") ? restore.name : env.variable("POD_NAME").filter(n -> !n.isBlank()).orElse(restore.name);
        Optional<String> namespace = env.variable("POD_NAMESPACE").filter(n -> !n.isBlank());
        Optional<LeaseSettings> leaseSettings = leases.parse(checks, env, restore.name);
        Optional<LifecycleSettings> lifecycleSettings = lifecycle.parse(checks, restore, memberName, namespace,
                template.map(t -> () -> t.peerUrls(new ServerConfig.EtcdConfig(t, memberName, namespace).identity())), dataDir);
        // Only whether they can be read: secret contents are read when used, never for checking or printing.
        checks.check("--api-token-file", apiTokenFile == null ? null : apiTokenFile.toString(), EtcdOptions::readable);
        if (!checks.problems().isEmpty()) {
            return Optional.empty();
        }

        RestoreOptions.Setup restoreSetup = restore.setup();
        CompactionThresholds thresholds = new CompactionThresholds(events.orElseThrow(), bytes.orElseThrow(), restoreTime.orElseThrow());
        boolean compacting = thresholds.events() > 0 || thresholds.bytes() > 0 || !thresholds.maxRestoreTime().isZero();
        ServerConfig.Backup backup = new ServerConfig.Backup(full,
                retentionPeriod.filter(p -> !p.isZero()).map(p -> new ServerConfig.Retention(retention.policy(), retention.grace(), p)),
                defrag.map(schedule -> new ServerConfig.Defrag(schedule, defragLimit.orElseThrow())),
                compacting ? Optional.of(new ServerConfig.Compaction(thresholds, restoreSetup,
                        scratch(restoreSetup, env, "etcd-backup-agent-compaction"))) : Optional.empty(),
                mergeEvery.filter(p -> !p.isZero()).map(p -> new ServerConfig.Merge(merge.policy(), p)),
                finalFullSnapshot, Optional.ofNullable(secondaryStore).map(url -> new ServerConfig.Secondary(url, secondaryEvery.orElseThrow())));
        ServerConfig.Member member = new ServerConfig.Member(
                Optional.ofNullable(dataDir).map(d -> new ServerConfig.Initialization(restoreTarget(d, memberName, template, namespace, checks),
                        restoreSetup, safeguard.id())),
                template.map(t -> new ServerConfig.EtcdConfig(t, memberName, namespace)));
        Optional<ServerConfig.Drill> drill = drills.map(schedule -> new ServerConfig.Drill(schedule,
                new RestoreDrill.Settings(drillRestore.orElseThrow(), scratch(restoreSetup, env, "etcd-backup-agent-drill"))));
        return Optional.of(new ServerConfig(capture.settings(), backup, new ServerConfig.Leadership(leaderCheck.orElseThrow(), advertise),
                new ServerConfig.Http(port.orElseThrow(), Optional.ofNullable(apiTokenFile), tls,
                        scratch(restoreSetup, env, "etcd-backup-agent-keys")), member, drill, leaseSettings,
                lifecycleSettings));
    }

    /** The member a restore of the server's data dir produces: the options, else the template's membership. */
    private RestoreTarget restoreTarget(Path dir, String memberName, Optional<EtcdConfigTemplate> template, Optional<String> namespace,
                                        EffectiveConfig checks) {
        if (template.isEmpty()) {
            return restore.target(dir, false, memberName);
        }
        try {
            EtcdConfigTemplate.MemberIdentity identity = new ServerConfig.EtcdConfig(template.get(), memberName, namespace).identity();
            return restore.target(dir, memberName, template.get().membership(identity), template.get().peerUrls(identity), checks);
        } catch (RuntimeException doesNotFit) {
            // The template cannot render this member (it names no peer URLs for it): /config will say so; restores use the options.
            return restore.target(dir, false, memberName);
        }
    }

    /**
     * etcd's configuration template: {@code --etcd-config-template}, else where the reference
     * reads it under etcd-druid ({@code ETCD_CONF}, else {@code /var/etcd/config/etcd.conf.yaml}
     * when that file exists).
     */
    private Optional<Path> configTemplate(ProcessEnvironment env) {
        if (etcdConfigTemplate != null) {
            return Optional.of(etcdConfigTemplate);
        }
        Optional<Path> named = env.variable("ETCD_CONF").filter(v -> !v.isBlank()).map(Path::of);
        if (named.isPresent()) {
            return named;
        }
        return Optional.of(DRUID_CONFIG_TEMPLATE).filter(Files::isReadable);
    }

    private Optional<HttpApi.Tls> tls(EffectiveConfig checks) {
        if ((serverCert == null) != (serverKey == null)) {
            checks.reject(serverCert == null ? "--server-key" : "--server-cert", serverCert == null ? serverKey : serverCert,
                    "give both --server-cert and --server-key, or neither");
        } else if (serverCert != null) {
            try {
                ServerTls.validate(serverCert, serverKey);
            } catch (IllegalArgumentException e) {
                checks.reject("--server-cert", serverCert, e.getMessage());
                return Optional.empty();
            }
            Optional<Path> ca = checks.parse("--server-ca", serverCa == null ? null : serverCa.toString(), f -> {
                ForwardingTrust.withExtraCa(Path.of(f));
                return Path.of(f);
            });
            return Optional.of(new HttpApi.Tls(serverCert, serverKey, ca));
        }
        if (serverCa != null) {
            checks.reject("--server-ca", serverCa, "needs --server-cert and --server-key (it is trusted when forwarding over HTTPS)");
        }
        return Optional.empty();
    }

    /** The restore settings drills use: checked only when drills or /initialization are on, and located only for drills. */
    private Optional<Restorer.Settings> drillRestore(EffectiveConfig checks) {
        if (dataDir != null || !drillSchedule.isBlank()) {
            restore.validate(checks); // the restore options matter only for /initialization and drills
        }
        // A bad --etcd-bin-dir is reported by restore.validate already.
        if (!drillSchedule.isBlank() && (restore.etcdBinDir == null || Files.isDirectory(restore.etcdBinDir))) {
            try {
                return Optional.of(restore.settings());
            } catch (IllegalArgumentException e) {
                checks.reject("--drill-schedule", drillSchedule, "restore drills need etcd's binaries: " + e.getMessage());
            }
        }
        return Optional.empty();
    }

    /** {@code --scratch-dir}, else the named folder in the temporary folder. */
    private static Path scratch(RestoreOptions.Setup restore, ProcessEnvironment env, String name) {
        return restore.scratchDir().orElseGet(() -> env.tempDir().resolve(name));
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

    /** A cron schedule, or none ({@code null}) for an empty value. */
    private static CronSchedule optionalCron(String text) {
        return text.isBlank() ? null : CronSchedule.parse(text);
    }

    private static Duration positiveDuration(String text) {
        Duration d = Durations.parse(text);
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException("must be positive");
        }
        return d;
    }

    private static String httpUrl(String text) {
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URL: " + e.getMessage());
        }
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
            throw new IllegalArgumentException("must be an http:// or https:// URL with a host");
        }
        return text;
    }
}
