package io.etcdbackup.agent.member;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.cluster.Member;
import io.etcdbackup.agent.lifecycle.StartPlan;
import io.etcdbackup.agent.lifecycle.StartResult;
import io.etcdbackup.snapshot.etcd.EtcdClients;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Serves the reference's {@code /config}: the etcd configuration file for this member, rendered
 * from a template. After the member reconciler's start ({@code /initialization/start} with
 * {@code --service-endpoints}), its decision holds: its {@code initial-cluster-state}, and with
 * {@code existing} an {@code initial-cluster} trimmed to the members it listed plus this one.
 * Without one, {@code initial-cluster-state} is {@code existing} when a running cluster answers
 * on one of the other endpoints (trimmed the same way to the running members), else {@code new}.
 */
public final class EtcdConfigService {

    private static final Logger LOG = LoggerFactory.getLogger(EtcdConfigService.class);

    private final EtcdConfigTemplate template;
    private final EtcdConfigTemplate.MemberIdentity member;
    private final EtcdClients clients;
    private final Supplier<Optional<StartResult>> lastStart;

    /** @param lastStart the member reconciler's last successful start, when there was one */
    public EtcdConfigService(EtcdConfigTemplate template, EtcdConfigTemplate.MemberIdentity member, EtcdClients clients,
                             Supplier<Optional<StartResult>> lastStart) {
        this.template = template;
        this.member = member;
        this.clients = clients;
        this.lastStart = lastStart;
    }

    /** The rendered configuration file. */
    public String render() {
        Optional<StartResult> decided = lastStart.get();
        if (decided.isPresent()) {
            return decided.get().clusterState() == StartPlan.ClusterState.EXISTING
                    ? template.render(member, EtcdConfigTemplate.ClusterState.EXISTING, decided.get().initialClusterNames())
                    : template.render(member, EtcdConfigTemplate.ClusterState.NEW);
        }
        Optional<List<Member>> running = runningMembers();
        if (running.isPresent()) {
            List<String> names = running.get().stream().map(Member::getName).filter(n -> !n.isEmpty()).toList();
            return template.render(member, EtcdConfigTemplate.ClusterState.EXISTING, names);
        }
        return template.render(member, EtcdConfigTemplate.ClusterState.NEW);
    }

    /** The member list from any other endpoint that answers within a few seconds. */
    private Optional<List<Member>> runningMembers() {
        List<URI> others = clients.connection().endpoints().stream().filter(e -> !e.equals(clients.connection().localEndpoint())).toList();
        if (others.isEmpty()) {
            return Optional.empty();
        }
        try (Client client = clients.newClient(others)) {
            return Optional.of(client.getClusterClient().listMember().get(5, TimeUnit.SECONDS).getMembers());
        } catch (Exception notRunning) {
            LOG.debug("no running cluster endpoints={}", others, notRunning);
            return Optional.empty();
        }
    }
}
