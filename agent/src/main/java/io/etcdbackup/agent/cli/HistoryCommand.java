package io.etcdbackup.agent.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.etcdbackup.agent.config.EffectiveConfig;
import io.etcdbackup.agent.keys.KeyRecovery;
import io.etcdbackup.agent.keys.KeyValueJson;
import io.etcdbackup.restore.RestorePoint;
import io.etcdbackup.restore.keys.HistoryRange;
import io.etcdbackup.restore.keys.KeyHistory;
import io.etcdbackup.restore.keys.KeyPrefix;
import io.etcdbackup.stores.ObjectStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;

/** Every change to the keys under a prefix, from the delta segments. */
@Command(name = "history", mixinStandardHelpOptions = true,
        description = "Print every change (PUT or DELETE) to the keys under --prefix within a range of revisions or times, read "
                + "from the delta segments alone (no etcd): the events etcdctl watch --rev would replay, with when the agent "
                + "received each revision.")
final class HistoryCommand implements Callable<Integer>, Main.Validated {

    @Mixin
    StoreOptions store;

    @Option(names = "--prefix", required = true, paramLabel = "PREFIX", description = "Key prefix (the empty string: every key).")
    String prefix;

    @Option(names = "--from-revision", paramLabel = "N", description = "First revision (default: the first retained delta revision).")
    String fromRevision;

    @Option(names = "--from-time", paramLabel = "INSTANT", description = "Changes received at or after this time (ISO 8601 with zone).")
    String fromTime;

    @Option(names = "--to-revision", paramLabel = "M", description = "Last revision (default: the newest).")
    String toRevision;

    @Option(names = "--to-time", paramLabel = "INSTANT", description = "Changes received at or before this time.")
    String toTime;

    @Option(names = "--values", description = "Show each value (table: what it is; json: base64 and decoded).")
    boolean values;

    @Option(names = "--output", defaultValue = "table", paramLabel = "FORMAT",
            description = "table, or json: one line per change: revision, received_at, type (PUT or DELETE) and kv, the key-value as etcdctl prints it (default: ${DEFAULT-VALUE}).")
    String output;

    @Spec
    CommandSpec spec;

    @Override
    public List<String> problems() {
        EffectiveConfig config = new EffectiveConfig(spec);
        store.validate(config);
        config.check("--from-revision", fromRevision, RestorePoint::parseRevision);
        config.check("--to-revision", toRevision, RestorePoint::parseRevision);
        config.check("--from-time", fromTime, RestorePoint::parseTime);
        config.check("--to-time", toTime, RestorePoint::parseTime);
        config.check("--output", output, OutputFormat::parse);
        if (fromRevision != null && fromTime != null) {
            config.reject("--from-time", fromTime, "give either --from-revision or --from-time, not both");
        }
        if (toRevision != null && toTime != null) {
            config.reject("--to-time", toTime, "give either --to-revision or --to-time, not both");
        }
        if (config.problems().isEmpty() && fromRevision != null && toRevision != null
                && RestorePoint.parseRevision(fromRevision) > RestorePoint.parseRevision(toRevision)) {
            config.reject("--to-revision", toRevision, "is before --from-revision " + fromRevision);
        }
        return config.problems();
    }

    @Override
    public Integer call() throws Exception {
        HistoryRange range = new HistoryRange(revision(fromRevision), time(fromTime), revision(toRevision), time(toTime));
        OutputFormat format = OutputFormat.parse(output);
        ObjectMapper json = new ObjectMapper();
        try (ObjectStore objects = store.open()) {
            KeyRecovery recovery = new KeyRecovery(objects, store.encryption());
            if (format == OutputFormat.TABLE) {
                System.out.println(KeyTable.changeHeader(values));
            }
            KeyHistory.Span span = recovery.history(range, KeyPrefix.of(prefix), change -> {
                System.out.println(format == OutputFormat.JSON ? json.writeValueAsString(KeyValueJson.change(change, values))
                        : KeyTable.changeRow(change, values));
                return true;
            });
            System.err.println("history prefix=" + prefix + " generation=" + span.generation() + " from_revision=" + span.fromRevision()
                    + " to_revision=" + span.toRevision() + " changes=" + span.changes());
            return 0;
        }
    }

    private static OptionalLong revision(String text) {
        return text == null ? OptionalLong.empty() : OptionalLong.of(RestorePoint.parseRevision(text));
    }

    private static Optional<java.time.Instant> time(String text) {
        return text == null ? Optional.empty() : Optional.of(RestorePoint.parseTime(text));
    }
}
