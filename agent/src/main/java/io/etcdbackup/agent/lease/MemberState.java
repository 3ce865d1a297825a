package io.etcdbackup.agent.lease;

/**
 * What the member Lease says about the local etcd member.
 *
 * @param memberId  the member's id
 * @param clusterId its cluster's id
 * @param leaderId  the member it believes leads; 0 when it knows no leader
 * @param peerTls   whether its peer URLs are {@code https}
 */
record MemberState(long memberId, long clusterId, long leaderId, boolean peerTls) {

    /** Whether the member knows a leader; without one its Lease is not renewed. */
    boolean knowsLeader() {
        return leaderId != 0;
    }

    /** {@code <memberID hex>:<clusterID hex>:<Leader|Member>}, the ids unsigned lowercase hex as etcd-druid parses them. */
    String holderIdentity() {
        return Long.toHexString(memberId) + ":" + Long.toHexString(clusterId) + ":" + (memberId == leaderId ? "Leader" : "Member");
    }
}
