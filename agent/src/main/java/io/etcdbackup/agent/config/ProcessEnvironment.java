package io.etcdbackup.agent.config;

import io.etcdbackup.stores.StoreContext;

import java.util.Map;

/**
 * The one place the agent reads the process environment. Everything else receives what it needs
 * through constructors ({@link StoreContext} for store providers).
 */
public final class ProcessEnvironment {

    private ProcessEnvironment() {
    }

    /** The environment of this process, read once per call. */
    public static Map<String, String> variables() {
        return System.getenv();
    }

    /** Who this process is, for the catalog's writer records: host name and process id. */
    public static String writerId() {
        String host = variables().getOrDefault("HOSTNAME", "");
        if (host.isBlank()) {
            try {
                host = java.net.InetAddress.getLocalHost().getHostName();
            } catch (java.net.UnknownHostException e) {
                host = "unknown-host";
            }
        }
        return host + "/" + ProcessHandle.current().pid();
    }

    /** The context handed to store providers: the environment, for credential locations. */
    public static StoreContext storeContext() {
        return new StoreContext(variables());
    }
}
