package io.etcdbackup.agent.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.etcdbackup.snapshot.catalog.BackupLayout;
import io.etcdbackup.stores.NoSuchObjectException;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.WriteMode;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/**
 * The agents of one cluster, as records in the backup store under {@code eba-v1/agents/}, one
 * per etcd member (keyed by member id, overwritten by that member's agent). The store is the one
 * place every agent already reaches, so no extra service or Kubernetes API is needed to find the
 * leader's agent. Records are hints for routing, never for correctness: the catalog's fencing
 * decides who may write.
 */
public final class AgentDirectory {

    static final String PREFIX = BackupLayout.ROOT + "agents/";
    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    private final ObjectStore store;

    public AgentDirectory(ObjectStore store) {
        this.store = store;
    }

    /** Publishes (replaces) the record of {@code record.memberId()}. */
    public void publish(AgentRecord record) throws IOException {
        store.put(key(record.memberId()), JSON.writeValueAsBytes(record), WriteMode.OVERWRITE);
    }

    /** The record of the agent beside member {@code memberId}, if that agent published one. */
    public Optional<AgentRecord> lookup(long memberId) throws IOException {
        try (InputStream in = store.open(key(memberId))) {
            return Optional.of(JSON.readValue(in, AgentRecord.class));
        } catch (NoSuchObjectException e) {
            return Optional.empty();
        }
    }

    static String key(long memberId) {
        return PREFIX + String.format("%016x", memberId) + ".json";
    }
}
