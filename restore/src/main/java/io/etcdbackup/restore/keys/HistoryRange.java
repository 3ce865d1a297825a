package io.etcdbackup.restore.keys;

import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The part of the history {@link KeyHistory} reads: from a revision or a time (default: the first
 * retained delta revision) to a revision or a time (default: the newest), both inclusive. A time
 * bound selects by when the agent received each revision.
 */
public record HistoryRange(OptionalLong fromRevision, Optional<Instant> fromTime, OptionalLong toRevision, Optional<Instant> toTime) {

    public HistoryRange {
        if (fromRevision.isPresent() && fromTime.isPresent()) {
            throw new IllegalArgumentException("give a start revision or a start time, not both");
        }
        if (toRevision.isPresent() && toTime.isPresent()) {
            throw new IllegalArgumentException("give an end revision or an end time, not both");
        }
        if (fromRevision.isPresent() && toRevision.isPresent() && fromRevision.getAsLong() > toRevision.getAsLong()) {
            throw new IllegalArgumentException("the start revision " + fromRevision.getAsLong() + " is after the end revision "
                    + toRevision.getAsLong());
        }
    }

    /** Everything retained. */
    public static HistoryRange all() {
        return new HistoryRange(OptionalLong.empty(), Optional.empty(), OptionalLong.empty(), Optional.empty());
    }

    /** From {@code from} to the newest revision. */
    public static HistoryRange fromRevision(long from) {
        return new HistoryRange(OptionalLong.of(from), Optional.empty(), OptionalLong.empty(), Optional.empty());
    }

    /** This range, ending at revision {@code to}. */
    public HistoryRange toRevision(long to) {
        return new HistoryRange(fromRevision, fromTime, OptionalLong.of(to), Optional.empty());
    }
}
