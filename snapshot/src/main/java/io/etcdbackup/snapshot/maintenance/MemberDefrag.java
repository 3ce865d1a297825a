package io.etcdbackup.snapshot.maintenance;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What happened to one member during a {@link ClusterDefragmenter} run.
 *
 * @param name       the member's name (empty for a member that never started)
 * @param id         the member's id
 * @param role       its role when its turn came (or when the run was planned, for a member not attempted)
 * @param endpoint   the client URL it was defragmented through; empty when it advertises none
 * @param outcome    what happened
 * @param sizeBefore database size in bytes just before its defragmentation; -1 when unknown
 * @param sizeAfter  database size in bytes just after it; -1 when unknown (not attempted, or failed)
 * @param startedAt  when its turn started (the status read before defragmenting); the run's start for a
 *                   member not attempted
 * @param duration   how long the defragmentation call itself took; zero when not attempted
 * @param error      why it failed or was skipped; empty when defragmented
 */
public record MemberDefrag(String name, long id, MemberRole role, Optional<URI> endpoint, Outcome outcome,
                           long sizeBefore, long sizeAfter, Instant startedAt, Duration duration, Optional<String> error) {

    /** The result for one member. */
    public enum Outcome {
        /** Defragmented, and it answered its status afterwards. */
        DEFRAGMENTED,
        /** The member was attempted and the status read or the defragmentation failed or timed out. */
        FAILED,
        /** Not attempted: the run was aborted before its turn, or it is a learner that is not reachable. */
        SKIPPED
    }

    public MemberDefrag {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(error, "error");
        if (outcome == Outcome.DEFRAGMENTED != error.isEmpty()) {
            throw new IllegalArgumentException("a defragmented member has no error, any other outcome has one: " + outcome + ", " + error);
        }
    }

    /** Whether it led the cluster when its turn came. */
    public boolean wasLeader() {
        return role == MemberRole.LEADER;
    }

    /** Bytes given back to the filesystem; 0 unless both sizes are known. */
    public long reclaimedBytes() {
        return sizeBefore >= 0 && sizeAfter >= 0 ? Math.max(0, sizeBefore - sizeAfter) : 0;
    }

    /** The member id as etcd prints it (hexadecimal). */
    public String idHex() {
        return Long.toHexString(id);
    }
}
