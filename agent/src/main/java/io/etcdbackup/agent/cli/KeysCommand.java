package io.etcdbackup.agent.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.etcd.jetcd.Client;
import io.etcdbackup.agent.config.EffectiveConfig;
import io.etcdbackup.agent.config.ProcessEnvironment;
import io.etcdbackup.agent.keys.KeyRecovery;
import io.etcdbackup.agent.keys.KeyValueJson;
import io.etcdbackup.restore.keys.KeyApplier;
import io.etcdbackup.restore.keys.KeyPrefix;
import io.etcdbackup.restore.keys.PrefixView;
import io.etcdbackup.snapshot.etcd.EtcdConnection;
import io.etcdbackup.stores.ObjectStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** The keys under a prefix at a retained revision, from the backups; optionally put back into a live cluster. */
@Command(name = "keys", mixinStandardHelpOptions = true,
        description = "Print the keys under --prefix as they were at --revision or --time (default: the latest state), read from "
                + "the backups alone (no etcd). With --apply-to, put them back into a live cluster: keys absent now are created, "
                + "changed keys are replaced only with --overwrite (checked in a transaction), equal keys are left alone.")
final class KeysCommand implements Callable<Integer>, Main.Validated {

    private final ProcessEnvironment env;

    /** @param env this process's temporary folder, the default scratch directory */
    KeysCommand(ProcessEnvironment env) {
        this.env = env;
    }

    @Mixin
    StoreOptions store;

    @Option(names = "--prefix", required = true, paramLabel = "PREFIX",
            description = "Key prefix, e.g. /registry/configmaps/team-a/ (the empty string selects every key).")
    String prefix;

    @Mixin
    RestorePointOptions point;

    @Option(names = "--output", defaultValue = "table", paramLabel = "FORMAT",
            description = "table, or json: one line per key, as etcdctl get -w json prints a key-value, with a 'decoded' field "
                    + "(default: ${DEFAULT-VALUE}).")
    String output;

    @Option(names = "--scratch-dir", paramLabel = "DIR",
            description = "Where the full snapshot is downloaded while its keys are read (default: the system's temporary directory).")
    Path scratchDir;

    @Option(names = "--apply-to", paramLabel = "URL[,URL...]",
            description = "Put the keys found back into this live cluster (TLS and credentials from --cacert, --cert, --key, --user, "
                    + "--password-file).")
    String applyTo;

    @Option(names = "--overwrite", description = "With --apply-to: also replace keys whose value changed since.")
    boolean overwrite;

    @Option(names = "--dry-run", description = "With --apply-to: print what would be created, overwritten or skipped, write nothing.")
    boolean dryRun;

    @Option(names = "--with-leases", description = "With --apply-to: attach keys to new leases granted with their old leases' TTLs.")
    boolean withLeases;

    @Mixin
    EtcdOptions etcd;

    @Spec
    CommandSpec spec;

    @Override
    public List<String> problems() {
        EffectiveConfig config = new EffectiveConfig(spec);
        store.validate(config);
        point.validate(config);
        config.check("--output", output, OutputFormat::parse);
        config.check("--apply-to", applyTo, EtcdConnection::parseEndpoints);
        if (applyTo == null && (overwrite || dryRun || withLeases)) {
            config.reject(overwrite ? "--overwrite" : dryRun ? "--dry-run" : "--with-leases", true, "needs --apply-to");
        }
        if (etcd.endpoints != null) {
            config.reject("--endpoints", etcd.endpoints, "keys writes only with --apply-to; give the cluster there");
        }
        return config.problems();
    }

    @Override
    public Integer call() throws Exception {
        Path scratch = scratchDir != null ? scratchDir : env.tempDir();
        try (ObjectStore objects = store.open();
             PrefixView view = new KeyRecovery(objects, store.encryption())
                     .keys(point.point(), KeyPrefix.of(prefix), scratch)) {
            if (applyTo != null) {
                return apply(view);
            }
            print(view, OutputFormat.parse(output), System.out);
            System.err.println("keys prefix=" + prefix + " revision=" + view.revision() + " generation=" + view.generation()
                    + " count=" + view.size());
            return 0;
        }
    }

    private static void print(PrefixView view, OutputFormat format, PrintStream out) throws java.io.IOException {
        ObjectMapper json = new ObjectMapper();
        if (format == OutputFormat.TABLE) {
            out.println(KeyTable.keyHeader());
        }
        view.forEach(kv -> {
            out.println(format == OutputFormat.JSON ? json.writeValueAsString(KeyValueJson.keyValue(kv, true)) : KeyTable.keyRow(kv));
            return true;
        });
    }

    /** @return 0, or 1 when a key was written by someone else between the look and the write (a conflict) */
    private int apply(PrefixView view) throws java.io.IOException {
        KeyApplier.Options options = new KeyApplier.Options(overwrite, dryRun, withLeases);
        try (Client client = etcd.clientsFor(EtcdConnection.parseEndpoints(applyTo)).newClient()) {
            KeyApplier applier = new KeyApplier(client, options, view);
            view.forEach(kv -> {
                KeyApplier.Decision decision = applier.apply(kv);
                // The key and the value's size, never the value: a plan is shared, values may be secrets.
                System.out.println(decision.action().name().toLowerCase(Locale.ROOT) + " " + decision.kv().getKey().toStringUtf8()
                        + " (" + decision.kv().getValue().size() + " B): " + decision.reason());
                return true;
            });
            KeyApplier.Summary summary = applier.summary();
            System.out.println((dryRun ? "plan (dry run, nothing written)" : "applied") + " prefix=" + prefix + " revision="
                    + view.revision() + " created=" + summary.created() + " overwritten=" + summary.overwritten()
                    + " skipped=" + summary.skipped() + " conflicts=" + summary.conflicts());
            if (summary.conflicts() > 0) {
                System.err.println("error: " + summary.conflicts() + " key(s) changed while being applied and were not written; "
                        + "run the command again to decide for them anew");
                return 1;
            }
            return 0;
        }
    }
}
