package io.etcdbackup.agent.cli;

import io.etcdbackup.agent.config.EffectiveConfig;
import io.etcdbackup.stores.StoreUrl;

import io.etcdbackup.agent.config.ProcessEnvironment;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.ObjectStores;
import io.etcdbackup.stores.StoreContext;
import io.etcdbackup.stores.retry.RetryPolicy;
import io.etcdbackup.stores.retry.RetryingObjectStore;
import picocli.CommandLine.Option;

import java.io.IOException;

/** Which object store holds the backups. */
final class StoreOptions {

    private final StoreContext context;

    @Option(names = "--store", required = true, paramLabel = "STORE_URL",
            description = "Where backups live, e.g. file:///var/backups/etcd (see the README for s3://, azblob://, gs://, oss://, swift://).")
    String store;

    /** @param env whose variables the store providers read their credentials' locations from */
    StoreOptions(ProcessEnvironment env) {
        this.context = env.storeContext();
    }

    /** Adds a problem to {@code config} if the store URL does not parse. */
    void validate(EffectiveConfig config) {
        config.check("--store", store, StoreUrl::parse);
    }

    /** Opens the store with transient failures (throttling, 5xx, dropped connections) retried with backoff. */
    ObjectStore open() throws IOException {
        return RetryingObjectStore.wrap(ObjectStores.open(store, context), RetryPolicy.defaults());
    }
}
