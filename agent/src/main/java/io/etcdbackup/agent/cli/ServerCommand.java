package io.etcdbackup.agent.cli;

import io.etcdbackup.agent.backup.BackupService;
import io.etcdbackup.agent.backup.ContinuousBackup;
import io.etcdbackup.agent.backup.FullSchedule;
import io.etcdbackup.agent.config.ByteSizes;
import io.etcdbackup.agent.config.Durations;
import io.etcdbackup.agent.config.EffectiveConfig;
import io.etcdbackup.agent.config.ProcessEnvironment;
import io.etcdbackup.snapshot.etcd.EtcdConnection;
import io.etcdbackup.snapshot.format.Codec;
import io.etcdbackup.snapshot.retention.RetentionConfigException;
import io.etcdbackup.snapshot.retention.RetentionPolicies;
import io.etcdbackup.agent.http.HttpApi;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** The sidecar: continuous capture until SIGTERM. */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = "Run beside an etcd member: continuous delta capture and scheduled full snapshots until SIGTERM, "
                + "then publish the buffered deltas and exit 0.")
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

    @Option(names = "--print-config",
            description = "Print the effective configuration (each option's value and whether it came from the default, "
                    + "the file, the environment or a flag) as YAML and exit; secrets are redacted.")
    boolean printConfig;

    @Spec
    CommandSpec spec;

    @Override
    public List<String> problems() {
        EffectiveConfig config = new EffectiveConfig(spec);
        config.check("--endpoints", etcd.endpoints, EtcdConnection::parseEndpoints);
        config.check("--compression", capture.compression, Codec::fromId);
        config.check("--delta-period", capture.deltaPeriod, Durations::parse);
        config.check("--delta-flush-size", capture.deltaFlushSize, ByteSizes::parse);
        config.check("--delta-memory-limit", capture.deltaMemoryLimit, ByteSizes::parse);
        config.check("--snapshot-idle-timeout", capture.snapshotIdleTimeout, Durations::parse);
        try {
            RetentionPolicies.parse(retention.policy, retention.policyOptions());
        } catch (RetentionConfigException e) {
            config.reject(e.field().equals("policy") ? "--gc-policy" : "--gc-" + e.field(), e.value(), e.getMessage());
        }
        config.check("--delta-retention", retention.deltaRetention, Durations::parse);
        config.check("--gc-grace", retention.grace, Durations::parse);
        config.check("--gc-period", gcPeriod, Durations::parse);
        config.check("--full-schedule", fullSchedule, s -> {
            if (!s.isBlank()) {
                FullSchedule.parse(s);
            }
        });
        config.check("--server-port", serverPort, ServerCommand::port);
        // Only whether they can be read: secret contents are read when used, never for checking or printing.
        config.check("--api-token-file", apiTokenFile == null ? null : apiTokenFile.toString(), ServerCommand::readable);
        config.check("--password-file", etcd.passwordFile == null ? null : etcd.passwordFile.toString(), ServerCommand::readable);
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

    private static void readable(String file) {
        if (file != null && !Files.isReadable(Path.of(file))) {
            throw new IllegalArgumentException("cannot read the file");
        }
    }

    @Override
    public Integer call() throws Exception {
        if (printConfig) {
            spec.commandLine().getOut().print(new EffectiveConfig(spec).yaml());
            spec.commandLine().getOut().flush();
            return 0;
        }
        HttpApi.Settings http = new HttpApi.Settings(port(serverPort), apiToken());
        Optional<FullSchedule> schedule = fullSchedule.isBlank() ? Optional.empty() : Optional.of(FullSchedule.parse(fullSchedule));
        CountDownLatch stop = new CountDownLatch(1);
        // Handle SIGTERM/SIGINT ourselves so that the final flush completes and the exit code is 0.
        Signal.handle(new Signal("TERM"), s -> stop.countDown());
        Signal.handle(new Signal("INT"), s -> stop.countDown());
        // One registry for the process, passed down; nothing registers globally.
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        // Metered outside the retries: one call per operation as the backup sees it, latency including retries.
        try (ObjectStore objects = new MeteredObjectStore(store.open(), registry);
             BackupService service = new BackupService(etcd.clients(), objects, capture.settings(Optional.of(fullSchedule)),
                     ProcessEnvironment.writerId(), Clock.systemUTC());
             ContinuousBackup backup = new ContinuousBackup(service, schedule, Clock.systemUTC());
             HttpApi api = new HttpApi(backup, service.catalog(), registry, http, Clock.systemUTC())) {
            java.time.Duration retentionPeriod = io.etcdbackup.agent.config.Durations.parse(gcPeriod);
            if (!retentionPeriod.isZero()) {
                backup.retainWith(retention.policy(), retention.grace(), retentionPeriod);
            }
            LOG.info("server started store={} endpoints={} full_schedule=\"{}\" gc_policy={} gc_period={}", objects.location(),
                    etcd.endpoints, fullSchedule, retention.policy, gcPeriod);
            // Bind first: a taken port fails start-up before capture begins (503s until capture runs).
            LOG.info("http api listening http_port={} authenticated={}", api.start(), apiTokenFile != null);
            backup.start();
            while (!stop.await(1, java.util.concurrent.TimeUnit.SECONDS)) {
                if (backup.failure().isPresent()) {
                    throw new IllegalStateException("capture stopped: " + backup.failure().get().getMessage(), backup.failure().get());
                }
            }
            LOG.info("shutting down: publishing buffered deltas");
        }
        LOG.info("server stopped");
        return 0;
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
