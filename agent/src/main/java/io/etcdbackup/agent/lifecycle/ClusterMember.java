package io.etcdbackup.agent.lifecycle;

import java.net.URI;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One entry of etcd's member list.
 *
 * @param id         the member id
 * @param name       its name; empty while the member was added but has not started yet
 * @param peerUrls   its peer URLs
 * @param clientUrls its client URLs; empty while it has not started
 * @param learner    whether it is a learner (a non-voting member catching up)
 */
public record ClusterMember(long id, String name, List<URI> peerUrls, List<URI> clientUrls, boolean learner) {

    private static final Pattern ORDINAL = Pattern.compile(".*-(\\d{1,9})$");

    public ClusterMember {
        Objects.requireNonNull(name, "name");
        peerUrls = List.copyOf(peerUrls);
        clientUrls = List.copyOf(clientUrls);
    }

    /** Whether the member has started at least once (etcd learns its name when it does). */
    public boolean started() {
        return !name.isEmpty();
    }

    /** Whether it votes. */
    public boolean voter() {
        return !learner;
    }

    /**
     * The StatefulSet ordinal at the end of its name ({@code etcd-main-2} is 2), which says
     * whether it lies beyond the desired size; empty for names without one and unstarted members.
     */
    public OptionalInt ordinal() {
        Matcher matcher = ORDINAL.matcher(name);
        return matcher.matches() ? OptionalInt.of(Integer.parseInt(matcher.group(1))) : OptionalInt.empty();
    }

    /** The name etcd's {@code initial-cluster} uses for it: its name, or a stand-in while it has none. */
    public String initialClusterName() {
        return started() ? name : "unstarted-" + idHex();
    }

    /** Its id as etcd prints it (16 hex digits). */
    public String idHex() {
        return String.format("%016x", id);
    }

    /** How it appears in logs and status: name (or id) and role. */
    public String describe() {
        return (started() ? name : "unstarted " + idHex()) + (learner ? " (learner)" : "");
    }
}
