package io.etcdbackup.agent.cli;

import io.etcdbackup.agent.backup.BackupService;
import io.etcdbackup.agent.backup.ContinuousBackup;
import io.etcdbackup.agent.backup.FullSchedule;
import io.etcdbackup.agent.config.ProcessEnvironment;
import io.etcdbackup.stores.ObjectStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import sun.misc.Signal;

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

    @Override
    public Integer call() throws Exception {
        Optional<FullSchedule> schedule = fullSchedule.isBlank() ? Optional.empty() : Optional.of(FullSchedule.parse(fullSchedule));
        CountDownLatch stop = new CountDownLatch(1);
        // Handle SIGTERM/SIGINT ourselves so that the final flush completes and the exit code is 0.
        Signal.handle(new Signal("TERM"), s -> stop.countDown());
        Signal.handle(new Signal("INT"), s -> stop.countDown());
        try (ObjectStore objects = store.open();
             BackupService service = new BackupService(etcd.clients(), objects, capture.settings(Optional.of(fullSchedule)),
                     ProcessEnvironment.writerId(), Clock.systemUTC());
             ContinuousBackup backup = new ContinuousBackup(service, schedule, Clock.systemUTC())) {
            java.time.Duration retentionPeriod = io.etcdbackup.agent.config.Durations.parse(gcPeriod);
            if (!retentionPeriod.isZero()) {
                backup.retainWith(retention.policy(), retention.grace(), retentionPeriod);
            }
            LOG.info("server started store={} endpoints={} full_schedule=\"{}\" gc_policy={} gc_period={}", objects.location(),
                    etcd.endpoints, fullSchedule, retention.policy, gcPeriod);
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
}
