package io.etcdbackup.agent.cli;

import io.etcdbackup.agent.config.ProcessEnvironment;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.ObjectStores;
import picocli.CommandLine.Option;

import java.io.IOException;

/** Which object store holds the backups. */
final class StoreOptions {

    @Option(names = "--store", required = true, paramLabel = "STORE_URL",
            description = "Where backups live, e.g. file:///var/backups/etcd (see the README for s3://, azblob://, gs://, oss://, swift://).")
    String store;

    ObjectStore open() throws IOException {
        return ObjectStores.open(store, ProcessEnvironment.storeContext());
    }
}
