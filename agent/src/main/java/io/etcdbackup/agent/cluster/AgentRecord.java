package io.etcdbackup.agent.cluster;

import java.time.Instant;
import java.util.Objects;

/**
 * What an agent tells the others about itself, kept in the store by {@link AgentDirectory}: where
 * its HTTP API is reachable, so that a follower can forward snapshot requests to the agent beside
 * the etcd leader.
 *
 * @param memberId   id of the etcd member the agent runs beside
 * @param memberName that member's name
 * @param apiUrl     base URL of the agent's HTTP API, e.g. {@code https://etcd-0.etcd-peer:8080}
 * @param role       the member's role when the record was written ({@link Role#name()})
 * @param writer     the agent's catalog writer id (host and process), as in catalog versions
 * @param updatedAt  when the record was written
 */
public record AgentRecord(long memberId, String memberName, String apiUrl, String role, String writer, Instant updatedAt) {

    public AgentRecord {
        Objects.requireNonNull(apiUrl, "apiUrl");
        Objects.requireNonNull(updatedAt, "updatedAt");
    }
}
