package io.etcdbackup.agent.cli;

import io.etcdbackup.agent.backup.BackupService;
import io.etcdbackup.agent.backup.ContinuousBackup;
import io.etcdbackup.agent.backup.FullSchedule;
import io.etcdbackup.agent.config.ProcessEnvironment;
import io.etcdbackup.agent.http.HttpApi;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.metrics.MeteredObjectStore;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import sun.misc.Signal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** The sidecar: continuous capture until SIGTERM. */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = "Run beside an etcd member: continuous delta capture and scheduled full snapshots until SIGTERM, "
                + "then publish the buffered deltas and exit 0.")
final class ServerCommand implements Callable<Integer> {

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

    @Option(names = "--server-port", defaultValue = "8080", paramLabel = "PORT",
            description = "Port of the HTTP API and /metrics; 0 picks a free one, logged as http_port (default: ${DEFAULT-VALUE}).")
    int serverPort;

    @Option(names = "--api-token-file", paramLabel = "FILE",
            description = "File holding the bearer token that snapshot requests (/snapshot/*, POST /v1/snapshots/*) must present; "
                    + "without it they are not authenticated.")
    Path apiTokenFile;

    @Override
    public Integer call() throws Exception {
        HttpApi.Settings http = new HttpApi.Settings(serverPort, apiToken());
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
