package io.etcdbackup.plugins.swift;

import io.etcdbackup.stores.StoreContext;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How to log in to Keystone v3: either a user with a password scoped to a project, or an
 * application credential (which carries its own scope).
 *
 * <p>Sources, first match wins: the directory named by {@value #CREDENTIALS_DIR_ENV} (the
 * reference's mounted secret: files {@code authURL}, {@code domainName}, {@code username},
 * {@code password}, {@code tenantName}, {@code regionName}, {@code applicationCredentialID},
 * {@code applicationCredentialName}, {@code applicationCredentialSecret}); otherwise the usual
 * {@code OS_*} variables. In either source an application credential (id, or name plus user, with
 * a secret) wins over a password.
 *
 * @param authUrl             Keystone's URL, with or without the trailing {@code /v3}
 * @param region              the region of the object-store endpoint; empty takes the first one
 * @param userName            user name (password login, or application credential by name)
 * @param password            the user's password
 * @param userDomain          the user's domain name
 * @param projectName         project name for the token's scope (or empty)
 * @param projectId           project id for the token's scope (or empty; wins over the name)
 * @param projectDomain       the project's domain name
 * @param appCredentialId     application credential id (or empty)
 * @param appCredentialName   application credential name (or empty)
 * @param appCredentialSecret application credential secret (or empty)
 * @param source              where these came from, for messages
 */
record KeystoneCredentials(String authUrl, String region, String userName, String password, String userDomain,
                           String projectName, String projectId, String projectDomain, String appCredentialId,
                           String appCredentialName, String appCredentialSecret, String source) {

    static final String CREDENTIALS_DIR_ENV = "OPENSTACK_APPLICATION_CREDENTIALS";

    /** Whether the login uses an application credential rather than a password. */
    boolean usesApplicationCredential() {
        return !appCredentialSecret.isEmpty() && (!appCredentialId.isEmpty() || !appCredentialName.isEmpty());
    }

    /**
     * Reads credentials from the context.
     *
     * @throws IOException if the credentials directory cannot be read
     * @throws IllegalArgumentException naming what is missing
     */
    static KeystoneCredentials from(StoreContext context) throws IOException {
        Optional<String> dir = context.env(CREDENTIALS_DIR_ENV);
        KeystoneCredentials credentials = dir.isPresent() ? fromDirectory(Path.of(dir.get())) : fromEnvironment(context);
        credentials.validate();
        return credentials;
    }

    private static KeystoneCredentials fromDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(CREDENTIALS_DIR_ENV + " names '" + dir + "', which is not a directory");
        }
        String domain = file(dir, "domainName");
        return new KeystoneCredentials(file(dir, "authURL"), file(dir, "regionName"), file(dir, "username"),
                file(dir, "password"), domain, file(dir, "tenantName"), "", domain, file(dir, "applicationCredentialID"),
                file(dir, "applicationCredentialName"), file(dir, "applicationCredentialSecret"),
                "files in " + dir + " (" + CREDENTIALS_DIR_ENV + ")");
    }

    private static KeystoneCredentials fromEnvironment(StoreContext context) {
        String domain = env(context, "OS_DOMAIN_NAME");
        return new KeystoneCredentials(env(context, "OS_AUTH_URL"), env(context, "OS_REGION_NAME"),
                env(context, "OS_USERNAME"), env(context, "OS_PASSWORD"),
                context.env("OS_USER_DOMAIN_NAME").orElse(domain), env(context, "OS_PROJECT_NAME"),
                env(context, "OS_PROJECT_ID"), context.env("OS_PROJECT_DOMAIN_NAME").orElse(domain),
                env(context, "OS_APPLICATION_CREDENTIAL_ID"), env(context, "OS_APPLICATION_CREDENTIAL_NAME"),
                env(context, "OS_APPLICATION_CREDENTIAL_SECRET"), "OS_* environment variables");
    }

    private void validate() {
        if (authUrl.isEmpty()) {
            throw new IllegalArgumentException("no Keystone auth URL in " + source + " (OS_AUTH_URL or file authURL)");
        }
        if (usesApplicationCredential()) {
            if (appCredentialId.isEmpty() && userName.isEmpty()) {
                throw new IllegalArgumentException("application credential '" + appCredentialName + "' from " + source
                        + " is given by name, which also needs the user name (OS_USERNAME or file username)");
            }
            return;
        }
        if (userName.isEmpty() || password.isEmpty()) {
            throw new IllegalArgumentException("no usable Keystone login in " + source + ": need a user name and password"
                    + " (OS_USERNAME/OS_PASSWORD, files username/password) or an application credential id or name with its"
                    + " secret (OS_APPLICATION_CREDENTIAL_ID/_SECRET, files applicationCredentialID/applicationCredentialSecret)");
        }
        if (projectName.isEmpty() && projectId.isEmpty()) {
            throw new IllegalArgumentException("no project for the Keystone token's scope in " + source
                    + " (OS_PROJECT_NAME or OS_PROJECT_ID, file tenantName)");
        }
    }

    private static String env(StoreContext context, String name) {
        return context.env(name).orElse("").trim();
    }

    private static String file(Path dir, String name) throws IOException {
        try {
            return Files.readString(dir.resolve(name), StandardCharsets.UTF_8).trim();
        } catch (NoSuchFileException e) {
            return "";
        }
    }

    /** Never shows secrets. */
    @Override
    public String toString() {
        return "KeystoneCredentials[authUrl=" + authUrl + ", region=" + region + ", user=" + userName
                + (usesApplicationCredential() ? ", applicationCredential=" + (appCredentialId.isEmpty() ? appCredentialName : appCredentialId)
                : ", project=" + (projectId.isEmpty() ? projectName : projectId)) + ", source=" + source + "]";
    }
}
