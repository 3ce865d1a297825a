package io.etcdbackup.snapshot.maintenance;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The result of one {@link ClusterDefragmenter#defragment()} run.
 *
 * @param startedAt   when the run started
 * @param finishedAt  when it ended
 * @param members     every member of the cluster, in the order they were handled (defragmented ones in the
 *                    order they were defragmented, then the ones not attempted)
 * @param abortReason why the run stopped before every member was handled (cluster not healthy at the
 *                    start, or a voting member failed); empty when every member had its turn
 */
public record DefragReport(Instant startedAt, Instant finishedAt, List<MemberDefrag> members, Optional<String> abortReason) {

    public DefragReport {
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(finishedAt, "finishedAt");
        members = List.copyOf(members);
        Objects.requireNonNull(abortReason, "abortReason");
    }

    /** Whether every member was defragmented. */
    public boolean succeeded() {
        return abortReason.isEmpty() && members.stream().allMatch(m -> m.outcome() == MemberDefrag.Outcome.DEFRAGMENTED);
    }

    /** Bytes given back over all members. */
    public long reclaimedBytes() {
        return members.stream().mapToLong(MemberDefrag::reclaimedBytes).sum();
    }

    public Duration duration() {
        return Duration.between(startedAt, finishedAt);
    }

    /** The members with the given outcome, in the order they were handled. */
    public List<MemberDefrag> withOutcome(MemberDefrag.Outcome outcome) {
        return members.stream().filter(m -> m.outcome() == outcome).toList();
    }
}
