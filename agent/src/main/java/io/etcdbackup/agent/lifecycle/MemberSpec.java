package io.etcdbackup.agent.lifecycle;

import java.net.URI;
import java.util.List;
import java.util.Objects;

/**
 * The member beside this agent, as it is configured: what the member list should say about it.
 *
 * @param name     its name ({@code --name}); member list entries are matched by it, and by peer
 *                 URL for members added but not started yet
 * @param peerUrls its advertised peer URLs ({@code --initial-advertise-peer-urls}); not empty
 */
public record MemberSpec(String name, List<URI> peerUrls) {

    public MemberSpec {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("the member name must not be blank");
        }
        peerUrls = List.copyOf(peerUrls);
        if (peerUrls.isEmpty()) {
            throw new IllegalArgumentException("member " + name + " needs at least one peer URL");
        }
    }

    /** Whether {@code member} is this member: the same name, or, before it started, a peer URL in common. */
    public boolean is(ClusterMember member) {
        if (member.started()) {
            return member.name().equals(name);
        }
        return member.peerUrls().stream().anyMatch(peerUrls::contains);
    }

    /** {@code name=url} entries for etcd's {@code initial-cluster}. */
    String initialClusterEntries() {
        return String.join(",", peerUrls.stream().map(url -> name + "=" + url).toList());
    }
}
