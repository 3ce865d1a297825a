package io.etcdbackup.agent.cli;

import io.etcdbackup.agent.config.EffectiveConfig;
import io.etcdbackup.stores.StoreUrl;

import io.etcdbackup.agent.config.ProcessEnvironment;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.ObjectStores;
import io.etcdbackup.stores.retry.RetryPolicy;
import io.etcdbackup.stores.retry.RetryingObjectStore;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;

/** Which object store holds the backups. */
final class StoreOptions {

    private final ProcessEnvironment env;

    // Not picocli-required: the reference's --storage-provider form may name the store instead; validate() requires one.
    @Option(names = "--store", paramLabel = "STORE_URL",
            description = "Where backups live, e.g. file:///var/backups/etcd (see the README for s3://, azblob://, gs://, oss://, "
                    + "swift://). Required, unless the reference's --storage-provider form names the store.")
    String store;

    @Mixin
    ReferenceStoreOptions reference;

    /** @param env whose variables the store providers read their credentials' locations from, and the reference's bucket */
    StoreOptions(ProcessEnvironment env) {
        this.env = env;
    }

    /**
     * Adds a problem to {@code config} if no store is named or the store URL does not parse; the
     * reference's form ({@code --storage-provider} ...) sets {@code --store} first.
     */
    void validate(EffectiveConfig config) {
        boolean referenceForm = reference.apply(config, env);
        if (store == null && !referenceForm) {
            config.reject("--store", "", "required: the store URL, e.g. file:///var/backups/etcd (or the reference's "
                    + "--storage-provider with --store-prefix and STORAGE_CONTAINER)");
        }
        config.check("--store", store, StoreUrl::parse);
    }

    /** Opens the store with transient failures (throttling, 5xx, dropped connections) retried with backoff. */
    ObjectStore open() throws IOException {
        return RetryingObjectStore.wrap(ObjectStores.open(store, env.storeContext()), RetryPolicy.defaults());
    }
}
