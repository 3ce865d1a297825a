package io.etcdbackup.bench.soak;

import java.util.EnumSet;
import java.util.Set;

/**
 * How the pods are started, and so which faults the cluster can heal from.
 *
 * <p>{@link #RECONCILER} is the member lifecycle of issue 16: {@code initialize --service-endpoints}
 * decides the {@code initial-cluster-state} etcd starts with (and rejoins a wiped member or adds a
 * new one as a learner), and {@code server --service-endpoints --cluster-size} promotes learners
 * and removes members beyond the desired size. {@link #STATIC} is what works without it: every
 * pod still runs {@code initialize} first, but etcd always starts with {@code new} and the whole
 * initial cluster, and nobody changes the membership, so only crashed processes can heal.
 */
public enum Lifecycle {

    RECONCILER(EnumSet.allOf(Fault.class)),
    STATIC(EnumSet.of(Fault.ETCD_CRASH, Fault.AGENT_CRASH));

    private final Set<Fault> heals;

    Lifecycle(Set<Fault> heals) {
        this.heals = heals;
    }

    /** The faults a cluster started this way heals from. */
    public Set<Fault> heals() {
        return EnumSet.copyOf(heals);
    }
}
