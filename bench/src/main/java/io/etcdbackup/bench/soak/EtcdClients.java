package io.etcdbackup.bench.soak;

import io.etcd.jetcd.Client;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * jetcd clients of the soak, one per set of endpoints, kept for the whole soak (gRPC reconnects
 * by itself when a member comes back) and closed with it.
 */
final class EtcdClients implements AutoCloseable {

    private final Map<List<String>, Client> clients = new ConcurrentHashMap<>();

    /** The client over {@code endpoints} (client URLs). */
    Client of(List<String> endpoints) {
        return clients.computeIfAbsent(List.copyOf(endpoints), e -> Client.builder().endpoints(e.toArray(String[]::new)).build());
    }

    /** The client of the one member at {@code endpoint}. */
    Client of(String endpoint) {
        return of(List.of(endpoint));
    }

    @Override
    public void close() {
        clients.values().forEach(Client::close);
        clients.clear();
    }
}
