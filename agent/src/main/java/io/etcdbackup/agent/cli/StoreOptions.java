package io.etcdbackup.agent.cli;

import io.etcdbackup.agent.config.Durations;
import io.etcdbackup.agent.config.EffectiveConfig;

import io.etcdbackup.agent.config.ProcessEnvironment;
import io.etcdbackup.snapshot.crypto.EncryptionKeySet;
import io.etcdbackup.snapshot.format.ObjectEncryption;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.ObjectStores;
import io.etcdbackup.stores.StoreUrl;
import io.etcdbackup.stores.retry.RetryPolicy;
import io.etcdbackup.stores.retry.RetryingObjectStore;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/** Which object store holds the backups. */
final class StoreOptions {

    private final ProcessEnvironment env;

    // Not picocli-required: the reference's --storage-provider form may name the store instead; validate() requires one.
    @Option(names = "--store", paramLabel = "STORE_URL",
            description = "Where backups live, e.g. file:///var/backups/etcd (see the README for s3://, azblob://, gs://, oss://, "
                    + "swift://). Required, unless the reference's --storage-provider form names the store.")
    String store;

    @Option(names = "--encryption-key-file", paramLabel = "FILE",
            description = "Tink JSON key set (from `key generate`): new objects are encrypted with its newest key, objects "
                    + "encrypted with any of its keys are read; objects in the clear stay readable. Without it nothing is "
                    + "encrypted and an encrypted object is an error naming its key.")
    Path encryptionKeyFile;

    @Option(names = "--immutable-for", paramLabel = "DURATION",
            description = "Lock every object written for this long after its upload with S3 Object Lock (e.g. 720h); the "
                    + "bucket must have Object Lock enabled. s3:// stores only: on Azure, GCS and OSS set the container's "
                    + "or bucket's own retention policy instead.")
    String immutableFor;

    @Option(names = "--immutable-mode", paramLabel = "MODE", defaultValue = "governance",
            description = "The Object Lock mode of --immutable-for: governance (users granted s3:BypassGovernanceRetention "
                    + "may still delete) or compliance (nobody can, for the whole duration). Default: ${DEFAULT-VALUE}.")
    String immutableMode;

    @Mixin
    ReferenceStoreOptions reference;

    private EncryptionKeySet keySet;
    /** The store URL options {@code --immutable-for} adds (as {@link #validate} made them), or none. */
    private String objectLockOptions = "";

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
        config.check("--immutable-mode", immutableMode, StoreOptions::objectLockMode);
        if (immutableFor != null && store != null) {
            config.check("--immutable-for", immutableFor, text -> objectLockOptions = objectLockOptions(Durations.parse(text)));
        }
        keySet = config.parse("--encryption-key-file", encryptionKeyFile == null ? null : encryptionKeyFile.toString(),
                file -> EncryptionKeySet.load(Path.of(file))).orElse(null);
    }

    /** The S3 store URL options that lock every object for {@code retention}; refuses any other provider. */
    private String objectLockOptions(Duration retention) {
        StoreUrl url = StoreUrl.parse(store);
        if (!url.scheme().equals("s3")) {
            throw new IllegalArgumentException("sets S3 Object Lock retention, so needs an s3:// store, not " + url.scheme()
                    + "://; on Azure, GCS and OSS lock the container or bucket with its own retention policy instead");
        }
        if (retention.isNegative() || retention.isZero() || retention.toSeconds() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("must be a positive duration of at most 68 years, got " + Durations.format(retention));
        }
        if (url.option("object-lock-seconds").isPresent()) {
            throw new IllegalArgumentException("conflicts with the store URL's object-lock-seconds option; give one of them");
        }
        return "object-lock-seconds=" + retention.toSeconds() + "&object-lock-mode=" + objectLockMode(immutableMode);
    }

    /** The S3 Object Lock mode {@code --immutable-mode} names. */
    private static String objectLockMode(String mode) {
        String upper = mode.toUpperCase(java.util.Locale.ROOT);
        if (!upper.equals("GOVERNANCE") && !upper.equals("COMPLIANCE")) {
            throw new IllegalArgumentException("must be governance or compliance");
        }
        return upper;
    }

    /**
     * How object contents are encrypted: the key set of {@code --encryption-key-file} as
     * {@link #validate} read it (read once per process), else none.
     */
    ObjectEncryption encryption() {
        if (encryptionKeyFile == null) {
            return ObjectEncryption.NONE;
        }
        if (keySet == null) {
            keySet = EncryptionKeySet.load(encryptionKeyFile);
        }
        return keySet;
    }

    /** Opens the store with transient failures (throttling, 5xx, dropped connections) retried with backoff. */
    ObjectStore open() throws IOException {
        String url = objectLockOptions.isEmpty() ? store : store + (store.contains("?") ? "&" : "?") + objectLockOptions;
        return open(url, env.storeContext());
    }

    /** Opens the store at {@code url} with {@code context}'s credentials, transient failures retried with backoff. */
    static ObjectStore open(String url, io.etcdbackup.stores.StoreContext context) throws IOException {
        return RetryingObjectStore.wrap(ObjectStores.open(url, context), RetryPolicy.defaults());
    }
}
