package io.etcdbackup.restore.init;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What {@link Initializer#initialize} decided and did. An HTTP API maps it to the reference's
 * {@code /initialization/status}: {@code Successful} when {@link #successful()}, else
 * {@code Failed} (with {@link #reason()} as the explanation).
 *
 * @param decision       what the initializer chose
 * @param successful     true when etcd may start on the data directory now: the decision was
 *                       {@code KEEP}, {@code RESTORE} or {@code FRESH} and carrying it out
 *                       succeeded. False for {@code REFUSE}, and for a decision whose action
 *                       failed (a restore that failed leaves the data directory as it was)
 * @param reason         one or two sentences for operators: why this decision, or what failed
 * @param revision       the revision etcd will start at: present after {@code KEEP} and a
 *                       successful {@code RESTORE}; empty otherwise ({@code FRESH} starts empty)
 * @param verdict        what validation found; empty when the initializer refused before or
 *                       while validating (a wrong volume, a validation that could not run)
 * @param validationTook time spent validating the data directory
 * @param took           time of the whole initialization, validation and restore included
 */
public record InitializationOutcome(Decision decision, boolean successful, String reason, OptionalLong revision,
                                    Optional<DataDirVerdict> verdict, Duration validationTook, Duration took) {

    /** The choices. */
    public enum Decision {
        /** The data directory is valid and not behind the backups: etcd starts on it as it is. */
        KEEP,
        /** The data directory is missing, empty, invalid or behind the backups: it was rebuilt from the latest backup. */
        RESTORE,
        /** Nothing to keep and no backups: the directory is left empty and etcd starts a new cluster. */
        FRESH,
        /** Acting could lose data or start the wrong data; {@link #reason()} says why and what to do. */
        REFUSE
    }

    public InitializationOutcome {
        Objects.requireNonNull(decision, "decision");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(revision, "revision");
        Objects.requireNonNull(verdict, "verdict");
        if (successful && decision == Decision.REFUSE) {
            throw new IllegalArgumentException("a refusal is never successful");
        }
    }
}
