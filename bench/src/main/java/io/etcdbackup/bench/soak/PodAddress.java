package io.etcdbackup.bench.soak;

import io.etcdbackup.etcdprocess.EtcdProcess;

/**
 * Where one pod listens on loopback: etcd's client and peer ports and the agent's HTTP port. Its
 * member is named {@code member-<ordinal>}, as a StatefulSet names its pods.
 */
record PodAddress(int ordinal, int clientPort, int peerPort, int agentPort) {

    /** An address on three currently free ports. */
    static PodAddress onFreePorts(int ordinal) {
        int[] ports = EtcdProcess.freePorts(3);
        return new PodAddress(ordinal, ports[0], ports[1], ports[2]);
    }

    String name() {
        return "member-" + ordinal;
    }

    String clientUrl() {
        return "http://127.0.0.1:" + clientPort;
    }

    String peerUrl() {
        return EtcdProcess.peerUrl(peerPort);
    }

    String agentUrl() {
        return "http://127.0.0.1:" + agentPort;
    }
}
