package io.etcdbackup.agent.cli;

import io.etcdbackup.agent.config.EffectiveConfig;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import java.util.List;

import io.etcdbackup.agent.backup.BackupService;
import io.etcdbackup.agent.config.Durations;
import io.etcdbackup.agent.config.ProcessEnvironment;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.stores.ObjectStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.Callable;

/** One-off snapshots. */
@Command(name = "snapshot", mixinStandardHelpOptions = true,
        description = "Take one snapshot now and exit.",
        subcommands = {SnapshotCommand.Full.class, SnapshotCommand.Delta.class})
final class SnapshotCommand {

    @Command(name = "full", mixinStandardHelpOptions = true,
            description = "Stream a full snapshot of the member into the store (a new generation if continuity cannot be proved).")
    static final class Full implements Callable<Integer>, Main.Validated {

        private final ProcessEnvironment env;

        /** @param env who this process is ({@link ProcessEnvironment#writerId}), for the catalog's writer records */
        Full(ProcessEnvironment env) {
            this.env = env;
        }
        @Mixin
        EtcdOptions etcd;
        @Mixin
        StoreOptions store;
        @Mixin
        CaptureOptions capture;
        @Spec
        CommandSpec spec;

        @Override
        public List<String> problems() {
            EffectiveConfig config = new EffectiveConfig(spec);
            etcd.validate(config);
            store.validate(config);
            capture.validate(config);
            return config.problems();
        }

        @Override
        public Integer call() throws Exception {
            try (ObjectStore objects = store.open();
                 BackupService service = new BackupService(etcd.clients(), objects, store.encryption(), capture.settings(),
                         env.writerId(), Clock.systemUTC())) {
                FullSnapshotRef full = service.takeFull();
                System.out.println("full snapshot " + full.key() + " revision=" + full.revision() + " bytes=" + full.size());
                return 0;
            }
        }
    }

    @Command(name = "delta", mixinStandardHelpOptions = true,
            description = "Capture every revision since the last captured one into delta segments.")
    static final class Delta implements Callable<Integer>, Main.Validated {

        private final ProcessEnvironment env;

        /** @param env who this process is ({@link ProcessEnvironment#writerId}), for the catalog's writer records */
        Delta(ProcessEnvironment env) {
            this.env = env;
        }
        @Mixin
        EtcdOptions etcd;
        @Mixin
        StoreOptions store;
        @Mixin
        CaptureOptions capture;
        @Spec
        CommandSpec spec;

        @Option(names = "--timeout", defaultValue = "5m", paramLabel = "DURATION",
                description = "Give up when the watch has not delivered every revision by then (default: ${DEFAULT-VALUE}).")
        String timeout;

        @Override
        public List<String> problems() {
            EffectiveConfig config = new EffectiveConfig(spec);
            etcd.validate(config);
            store.validate(config);
            capture.validate(config);
            config.check("--timeout", timeout, Durations::parse);
            return config.problems();
        }

        @Override
        public Integer call() throws Exception {
            try (ObjectStore objects = store.open();
                 BackupService service = new BackupService(etcd.clients(), objects, store.encryption(), capture.settings(),
                         env.writerId(), Clock.systemUTC())) {
                Optional<Long> last = service.takeDeltaOnce(Durations.parse(timeout));
                System.out.println(last.map(r -> "delta captured up to revision " + r).orElse("nothing new to capture"));
                return 0;
            }
        }
    }
}
