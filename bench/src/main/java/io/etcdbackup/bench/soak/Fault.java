package io.etcdbackup.bench.soak;

/** What one round of the chaos soak does to the cluster. */
public enum Fault {

    /** kill -9 one member's etcd and start it again on the same data dir (a container restart). */
    ETCD_CRASH("kill -9 etcd, restart it"),
    /** kill -9 one member's agent and start it again (a container restart). */
    AGENT_CRASH("kill -9 agent, restart it"),
    /** Lose one member's volume: kill its pod, wipe its data dir, start the pod again through {@code initialize}. */
    DATA_LOSS("wipe a data dir, restart through initialize"),
    /** Grow the cluster from 3 to 5 members, then shrink it back to 3. */
    SCALE_OUT_AND_IN("grow to 5 members, shrink back to 3");

    private final String description;

    Fault(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }
}
