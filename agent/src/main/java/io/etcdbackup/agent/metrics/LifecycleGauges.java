package io.etcdbackup.agent.metrics;

import io.etcdbackup.agent.lifecycle.MemberReconciler;
import io.etcdbackup.agent.lifecycle.RunningPlan.Quorum;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Gauges of the member reconciler, read when scraped. Prometheus names:
 * {@code etcdbackup_cluster_quorum_lost} (1 while a majority of the voters does not answer or no
 * leader is known, 0 while quorum holds; unknown while the local member does not answer is 0),
 * {@code etcdbackup_cluster_voters_reachable}, and {@code etcdbackup_member_promotion_attempts}
 * (promotions asked for while this member is a learner; 0 otherwise).
 */
public final class LifecycleGauges {

    private LifecycleGauges() {
    }

    /** Registers the gauges on {@code registry}, reading {@code reconciler}'s last report. */
    public static void register(MeterRegistry registry, MemberReconciler reconciler) {
        Gauge.builder("etcdbackup.cluster.quorum.lost", reconciler, r -> r.report().quorum().state() == Quorum.State.LOST ? 1 : 0)
                .description("1 while the etcd cluster has lost quorum (a majority of the voters does not answer)").register(registry);
        Gauge.builder("etcdbackup.cluster.voters.reachable", reconciler, r -> r.report().quorum().reachable())
                .description("Voting members that answer").register(registry);
        Gauge.builder("etcdbackup.member.promotion.attempts", reconciler, r -> r.report().promotion().map(p -> p.attempts()).orElse(0))
                .description("Promotions asked for while the local member is a learner").register(registry);
    }
}
