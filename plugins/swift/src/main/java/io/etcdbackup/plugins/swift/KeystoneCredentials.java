package io.etcdbackup.plugins.swift;

import io.etcdbackup.stores.StoreContext;
import io.etcdbackup.stores.credentials.MountedSecret;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * How to log in to Keystone v3: either a user with a password scoped to a project, or an
 * application credential (which carries its own scope).
 *
 * <p>Sources, first match wins: the directory named by {@value #CREDENTIALS_DIR_ENV} (the
 * reference's mounted secret: files {@code authURL}, {@code domainName}, {@code username},
 * {@code password}, {@code tenantName}, {@code region} (the reference's name; {@code regionName} is read too),
 * {@code applicationCredentialID}, {@code applicationCredentialName}, {@code applicationCredentialSecret}); otherwise the usual
 * {@code OS_*} variables. In either source an application credential (id, or name plus user, with
 * a secret) wins over a password. The directory is read again after its files change
 * ({@link Source}), so a rotated secret is used for the next login.
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
    /** The files of the credentials directory (gardener/etcd-backup-restore's names). */
    static final List<String> FILES = List.of("authURL", "domainName", "username", "password", "tenantName", "region", "regionName",
            "applicationCredentialID", "applicationCredentialName", "applicationCredentialSecret");

    /** Where a store's credentials come from; asked before every request that needs a token. */
    @FunctionalInterface
    interface Source {
        /**
         * The credentials to log in with now, validated: fixed ones from the environment, or what
         * the credentials directory holds now (read again only after its files changed).
         *
         * @throws IOException if the directory cannot be read or its credentials are incomplete
         */
        KeystoneCredentials current() throws IOException;
    }

    /** Whether the login uses an application credential rather than a password. */
    boolean usesApplicationCredential() {
        return !appCredentialSecret.isEmpty() && (!appCredentialId.isEmpty() || !appCredentialName.isEmpty());
    }

    /**
     * Where the store's credentials come from; the directory, if that is the source, is read once
     * now and again whenever its files change.
     *
     * @throws IOException if the credentials directory cannot be read
     * @throws IllegalArgumentException naming what is missing
     */
    static Source source(StoreContext context) throws IOException {
        Optional<String> dir = context.env(CREDENTIALS_DIR_ENV);
        if (dir.isEmpty()) {
            KeystoneCredentials fixed = fromEnvironment(context);
            fixed.validate();
            return () -> fixed;
        }
        MountedSecret secret = MountedSecret.directory("Keystone credentials (" + CREDENTIALS_DIR_ENV + ")", Path.of(dir.get()),
                FILES, List.of());
        String source = "files in " + dir.get() + " (" + CREDENTIALS_DIR_ENV + ")";
        fromFiles(secret.read(), source).validate();
        return () -> {
            KeystoneCredentials rotated = fromFiles(secret.read(), source);
            try {
                rotated.validate();
            } catch (IllegalArgumentException e) {
                throw new IOException(e.getMessage(), e);
            }
            return rotated;
        };
    }

    /** The credentials as they are now (tests, and callers that log in once). */
    static KeystoneCredentials from(StoreContext context) throws IOException {
        return source(context).current();
    }

    private static KeystoneCredentials fromFiles(MountedSecret.Fields files, String source) {
        String domain = files.orEmpty("domainName");
        String region = files.get("region").orElse(files.orEmpty("regionName")); // the reference's file is "region"
        return new KeystoneCredentials(files.orEmpty("authURL"), region, files.orEmpty("username"),
                files.orEmpty("password"), domain, files.orEmpty("tenantName"), "", domain, files.orEmpty("applicationCredentialID"),
                files.orEmpty("applicationCredentialName"), files.orEmpty("applicationCredentialSecret"), source);
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

    /** Never shows secrets. */
    @Override
    public String toString() {
        return "KeystoneCredentials[authUrl=" + authUrl + ", region=" + region + ", user=" + userName
                + (usesApplicationCredential() ? ", applicationCredential=" + (appCredentialId.isEmpty() ? appCredentialName : appCredentialId)
                : ", project=" + (projectId.isEmpty() ? projectName : projectId)) + ", source=" + source + "]";
    }
}
