package io.etcdbackup.plugins.gcs;

import com.google.auth.Credentials;
import com.google.auth.oauth2.GoogleCredentials;
import io.etcdbackup.stores.credentials.MountedFile;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Google credentials from the JSON file named by {@code GOOGLE_APPLICATION_CREDENTIALS} (a
 * service-account key, or any other type {@link GoogleCredentials#fromStream} reads), read again
 * after the file changes, so that a rotated key in a mounted secret is used by the next store call
 * without a restart.
 *
 * <p>Before each request ({@link #getRequestMetadata(URI)}, and {@link #refresh()}, which the
 * Google HTTP stack calls after a 401) the file is checked ({@link MountedFile}: a few
 * {@code stat} calls, the file read again only when its fingerprint changed). A new version is
 * parsed with {@link GoogleCredentials#fromStream}, scoped for Cloud Storage as
 * {@code StorageOptions} scopes the credentials it is given, and used from then on; it fetches its
 * own access token. The credentials of an older version are never used after the file changed: a
 * version that cannot be parsed (invalid JSON, no private key, ...) fails every request with an
 * {@link IOException} naming the file, until a usable version arrives. The message adds what
 * Google's parser says is wrong and where (line, column, missing field), which does not quote the
 * file.
 *
 * <p>Safe for concurrent use.
 */
final class MountedGoogleCredentials extends Credentials {

    /** The scope {@code StorageOptions} gives the credentials set on it. */
    static final String STORAGE_SCOPE = "https://www.googleapis.com/auth/devstorage.full_control";

    private final MountedFile<GoogleCredentials> file;

    private MountedGoogleCredentials(MountedFile<GoogleCredentials> file) {
        this.file = file;
    }

    /**
     * Reads the file once now, so that a missing or unusable file fails when the store opens.
     *
     * @throws IOException naming the file and {@code GOOGLE_APPLICATION_CREDENTIALS}
     */
    static MountedGoogleCredentials open(Path file) throws IOException {
        return new MountedGoogleCredentials(MountedFile.open("Google credentials (" + GcsStoreProvider.CREDENTIALS + ")",
                file, MountedGoogleCredentials::parse));
    }

    /** The credentials of the file's current version, re-read if the file changed since the last call. */
    GoogleCredentials current() throws IOException {
        return file.read();
    }

    private static GoogleCredentials parse(byte[] json) throws IOException {
        GoogleCredentials credentials;
        try {
            credentials = GoogleCredentials.fromStream(new ByteArrayInputStream(json));
        } catch (RuntimeException e) {
            // The Google parser reports some malformed input this way; its message names what is
            // wrong, not the value (as for its IOExceptions).
            throw new IOException(e.getMessage(), e);
        }
        return credentials.createScopedRequired() ? credentials.createScoped(List.of(STORAGE_SCOPE)) : credentials;
    }

    /** {@code "OAuth2"}, as for every {@link GoogleCredentials}. */
    @Override
    public String getAuthenticationType() {
        return "OAuth2";
    }

    /** The current version's request headers (its access token, fetched or refreshed as needed). */
    @Override
    public Map<String, List<String>> getRequestMetadata(URI uri) throws IOException {
        return current().getRequestMetadata(uri);
    }

    @Override
    public boolean hasRequestMetadata() {
        return true;
    }

    @Override
    public boolean hasRequestMetadataOnly() {
        return true;
    }

    /** Refreshes the current version's access token (after a change: fetches the new version's first). */
    @Override
    public void refresh() throws IOException {
        current().refresh();
    }

    /** The current version's universe domain (checked by the storage client before each request). */
    @Override
    public String getUniverseDomain() throws IOException {
        return current().getUniverseDomain();
    }

    /** Names the file, never the key. */
    @Override
    public String toString() {
        return "MountedGoogleCredentials[" + file.location() + "]";
    }
}
