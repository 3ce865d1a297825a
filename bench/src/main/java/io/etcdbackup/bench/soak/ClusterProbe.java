package io.etcdbackup.bench.soak;

import io.etcd.jetcd.cluster.Member;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Looks at the cluster from outside, as an operator would: the member list through etcd's API
 * (never the agents' own account of it), etcd's {@code /health} and the agents' {@code /healthz}.
 */
final class ClusterProbe {

    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(3);

    private final EtcdClients clients;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    ClusterProbe(EtcdClients clients) {
        this.clients = clients;
    }

    /** The cluster now, as seen by the pods of {@code desired}; never throws for a member that does not answer. */
    ClusterView observe(List<PodAddress> desired) throws InterruptedException {
        List<ClusterView.Member> members = List.of();
        String answeredBy = "nobody";
        List<String> refusals = new ArrayList<>();
        for (PodAddress pod : desired) {
            try {
                members = memberList(pod);
                answeredBy = pod.name();
                break;
            } catch (ExecutionException | TimeoutException | RuntimeException e) {
                refusals.add(pod.name() + ": " + (e.getCause() != null ? e.getCause() : e));
            }
        }
        if (members.isEmpty()) {
            answeredBy = "nobody " + refusals;
        }
        Map<String, Boolean> etcd = new LinkedHashMap<>();
        Map<String, Boolean> agents = new LinkedHashMap<>();
        for (PodAddress pod : desired) {
            HttpResponse<String> health = get(pod.clientUrl() + "/health");
            etcd.put(pod.name(), health != null && health.statusCode() == 200 && health.body().contains("\"health\":\"true\""));
            HttpResponse<String> healthz = get(pod.agentUrl() + "/healthz");
            agents.put(pod.name(), healthz != null && healthz.statusCode() == 200);
        }
        return new ClusterView(members, answeredBy, etcd, agents);
    }

    private List<ClusterView.Member> memberList(PodAddress pod) throws ExecutionException, TimeoutException, InterruptedException {
        List<ClusterView.Member> members = new ArrayList<>();
        for (Member m : clients.of(pod.clientUrl()).getClusterClient().listMember().get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .getMembers()) {
            String peer = m.getPeerURIs().isEmpty() ? "" : stripSlash(m.getPeerURIs().get(0).toString());
            members.add(new ClusterView.Member(m.getName(), peer, m.isLearner()));
        }
        return members;
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /** The answer to a GET, or null when nothing answered in time. */
    HttpResponse<String> get(String url) throws InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(url)).timeout(CALL_TIMEOUT).GET().build());
    }

    /** The answer to {@code request}, or null when nothing answered in time. */
    HttpResponse<String> send(HttpRequest request) throws InterruptedException {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException notAnswering) {
            return null;
        }
    }
}
