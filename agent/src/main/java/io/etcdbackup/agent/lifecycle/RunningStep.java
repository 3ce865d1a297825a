package io.etcdbackup.agent.lifecycle;

import java.net.URI;
import java.util.List;

/** One change {@link MemberLifecycle#whileRunning} asks for while etcd runs. */
public sealed interface RunningStep {

    /** Promote this member, a learner, to a voter (etcd refuses until it has caught up: retried with backoff). */
    record PromoteSelf(long memberId) implements RunningStep {
    }

    /** This member votes again after a rejoin: delete the data dir that was moved aside for it. */
    record DeleteAsideData() implements RunningStep {
    }

    /** The member list holds other peer URLs for this member than it advertises: {@code member update}. */
    record UpdatePeerUrls(long memberId, List<URI> peerUrls) implements RunningStep {
        public UpdatePeerUrls {
            peerUrls = List.copyOf(peerUrls);
        }
    }

    /** The leader's agent removes a member beyond the desired size whose pod is gone. */
    record RemoveMember(long memberId, String description) implements RunningStep {
    }
}
