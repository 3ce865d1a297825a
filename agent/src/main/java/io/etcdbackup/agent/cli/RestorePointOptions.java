package io.etcdbackup.agent.cli;

import io.etcdbackup.agent.config.EffectiveConfig;
import io.etcdbackup.restore.RestorePoint;
import picocli.CommandLine.Option;

/** {@code --revision} and {@code --time}: a point in the backups' history, for {@code restore} and {@code keys}; neither means the latest state. */
final class RestorePointOptions {

    @Option(names = "--revision", paramLabel = "N",
            description = "Exactly this revision, from the newest retained generation that holds it.")
    String revision;

    @Option(names = "--time", paramLabel = "INSTANT",
            description = "The newest revision committed at or before this time (ISO 8601 with zone, e.g. 2026-11-22T10:15:00Z).")
    String time;

    void validate(EffectiveConfig config) {
        config.check("--revision", revision, RestorePoint::parseRevision);
        config.check("--time", time, RestorePoint::parseTime);
        if (revision != null && time != null) {
            config.reject("--time", time, "give either --revision or --time, not both");
        }
    }

    /** The point the options name; call after {@link #validate}. */
    RestorePoint point() {
        return RestorePoint.of(revision, time);
    }
}
