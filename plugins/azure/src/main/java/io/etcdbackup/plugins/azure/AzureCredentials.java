package io.etcdbackup.plugins.azure;

import io.etcdbackup.stores.StoreContext;
import io.etcdbackup.stores.credentials.MountedSecret;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * How to reach and authenticate to one storage account, resolved from the environment the agent
 * hands down. First match wins:
 * <ol>
 *   <li>{@code AZURE_STORAGE_CONNECTION_STRING}</li>
 *   <li>{@code AZURE_STORAGE_ACCOUNT} + {@code AZURE_STORAGE_KEY}</li>
 *   <li>the credentials directory (or JSON file) named by {@code AZURE_APPLICATION_CREDENTIALS}:
 *       files {@code storageAccount}, {@code storageKey}, optional {@code domain} and
 *       {@code emulatorEnabled}; the JSON variant has the same field names. The key is read
 *       again after the files change ({@link MountedAccountKeyPolicy}); the account and the
 *       endpoint are fixed when the store opens</li>
 *   <li>{@code AZURE_STORAGE_ACCOUNT} + {@code AZURE_STORAGE_SAS_TOKEN}</li>
 *   <li>{@code AZURE_STORAGE_ACCOUNT} + the Azure identity chain, when {@code AZURE_STORAGE_AUTH_MODE=login}
 *       or Azure's identity variables ({@code AZURE_CLIENT_ID}, {@code AZURE_FEDERATED_TOKEN_FILE},
 *       {@code IDENTITY_ENDPOINT}, {@code MSI_ENDPOINT}) are present</li>
 * </ol>
 *
 * @param kind             which of the sources above supplied the credentials
 * @param connectionString set for {@link Kind#CONNECTION_STRING}
 * @param account          the storage account name (null only for a connection string)
 * @param secret           account key or SAS token; never logged or shown. For
 *                         {@link Kind#CREDENTIALS_FILES}, the key the files held when the store opened
 * @param endpoint         the blob service endpoint, e.g. {@code https://acct.blob.core.windows.net}
 *                         (null for a connection string, which carries its own)
 * @param mounted          for {@link Kind#CREDENTIALS_FILES}, the files, to be read again when they
 *                         change; null otherwise
 */
record AzureCredentials(Kind kind, String connectionString, String account, String secret, String endpoint, MountedSecret mounted) {

    static final String CONNECTION_STRING = "AZURE_STORAGE_CONNECTION_STRING";
    static final String ACCOUNT = "AZURE_STORAGE_ACCOUNT";
    static final String KEY = "AZURE_STORAGE_KEY";
    static final String SAS_TOKEN = "AZURE_STORAGE_SAS_TOKEN";
    static final String CREDENTIALS_LOCATION = "AZURE_APPLICATION_CREDENTIALS";
    static final String DEFAULT_DOMAIN = "blob.core.windows.net";
    /** Azurite's default blob port, used when a credentials directory enables the emulator without an endpoint. */
    static final String EMULATOR_ENDPOINT = "http://127.0.0.1:10000/";
    /** The fields of the credentials directory or JSON file. */
    static final String STORAGE_ACCOUNT = "storageAccount";
    static final String STORAGE_KEY = "storageKey";
    private static final List<String> FIELDS = List.of(STORAGE_ACCOUNT, STORAGE_KEY, "domain", "emulatorEnabled");

    /** {@code login}: authenticate with the Azure identity chain (managed or workload identity, service principal). */
    static final String AUTH_MODE = "AZURE_STORAGE_AUTH_MODE";
    /** Variables that Azure sets where a managed or workload identity is available. */
    static final List<String> IDENTITY_MARKERS = List.of("AZURE_FEDERATED_TOKEN_FILE", "AZURE_CLIENT_ID", "IDENTITY_ENDPOINT", "MSI_ENDPOINT");

    enum Kind { CONNECTION_STRING, ACCOUNT_KEY, CREDENTIALS_FILES, SAS_TOKEN, IDENTITY }

    /**
     * Resolves the credentials.
     *
     * @param endpointOverride the {@code endpoint=} URL option, replacing the derived endpoint
     * @throws IOException if no source is configured or the credentials location is unreadable
     */
    static AzureCredentials resolve(StoreContext context, Optional<String> endpointOverride) throws IOException {
        Optional<String> connectionString = context.env(CONNECTION_STRING);
        if (connectionString.isPresent()) {
            return new AzureCredentials(Kind.CONNECTION_STRING, connectionString.get(), null, null, endpointOverride.orElse(null), null);
        }
        Optional<String> account = context.env(ACCOUNT);
        Optional<String> key = context.env(KEY);
        if (account.isPresent() && key.isPresent()) {
            return new AzureCredentials(Kind.ACCOUNT_KEY, null, account.get(), key.get(),
                    endpointOverride.orElse(publicEndpoint(account.get(), DEFAULT_DOMAIN)), null);
        }
        Optional<String> location = context.env(CREDENTIALS_LOCATION);
        if (location.isPresent()) {
            return fromLocation(Path.of(location.get()), endpointOverride);
        }
        Optional<String> sas = context.env(SAS_TOKEN);
        if (account.isPresent() && sas.isPresent()) {
            return new AzureCredentials(Kind.SAS_TOKEN, null, account.get(), sas.get(),
                    endpointOverride.orElse(publicEndpoint(account.get(), DEFAULT_DOMAIN)), null);
        }
        if (sas.isPresent() && endpointOverride.isPresent()) {
            return new AzureCredentials(Kind.SAS_TOKEN, null, null, sas.get(), endpointOverride.get(), null);
        }
        boolean identityAvailable = context.env(AUTH_MODE).map(m -> m.equalsIgnoreCase("login")).orElse(false)
                || IDENTITY_MARKERS.stream().anyMatch(v -> context.env(v).isPresent());
        if (account.isPresent() && identityAvailable) {
            // Azure's identity chain (DefaultAzureCredential) reads its own variables: workload
            // identity, managed identity, a service principal, the Azure CLI.
            return new AzureCredentials(Kind.IDENTITY, null, account.get(), null,
                    endpointOverride.orElse(publicEndpoint(account.get(), DEFAULT_DOMAIN)), null);
        }
        throw new IOException("no Azure credentials: set " + CONNECTION_STRING + ", or " + ACCOUNT + " with " + KEY
                + " or " + SAS_TOKEN + ", or " + CREDENTIALS_LOCATION + " (a directory with storageAccount and storageKey), or "
                + ACCOUNT + " with " + AUTH_MODE + "=login for a managed or workload identity"
                + (account.isPresent() ? "; " + ACCOUNT + " is set but neither " + KEY + " nor " + SAS_TOKEN + " is" : ""));
    }

    private static AzureCredentials fromLocation(Path location, Optional<String> endpointOverride) throws IOException {
        MountedSecret mounted = MountedSecret.directoryOrJsonFile("Azure credentials (" + CREDENTIALS_LOCATION + ")", location,
                FIELDS, List.of(STORAGE_ACCOUNT, STORAGE_KEY));
        MountedSecret.Fields fields = mounted.read();
        String account = fields.orEmpty(STORAGE_ACCOUNT);
        boolean emulator = fields.get("emulatorEnabled").map(Boolean::parseBoolean).orElse(false);
        String endpoint = endpointOverride.orElseGet(() -> emulator
                ? EMULATOR_ENDPOINT + account
                : publicEndpoint(account, fields.get("domain").orElse(DEFAULT_DOMAIN)));
        return new AzureCredentials(Kind.CREDENTIALS_FILES, null, account, fields.orEmpty(STORAGE_KEY), endpoint, mounted);
    }

    /** {@code https://ACCOUNT.DOMAIN}, the blob endpoint of a public or sovereign cloud. */
    static String publicEndpoint(String account, String domain) {
        return "https://" + account + "." + domain.toLowerCase(Locale.ROOT);
    }

    /** Never shows the key, the SAS token or the connection string. */
    @Override
    public String toString() {
        return "AzureCredentials[kind=" + kind + ", account=" + account + ", endpoint=" + endpoint + "]";
    }
}
