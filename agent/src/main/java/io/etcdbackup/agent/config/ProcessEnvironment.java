package io.etcdbackup.agent.config;

import io.etcdbackup.stores.StoreContext;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What the agent takes from the process it runs in: the environment variables and the temporary
 * folder. {@link #current()} is the one place that reads them (Main calls it once); everything else
 * receives this value, or what it needs from it, through constructors.
 *
 * @param variables the environment variables
 * @param tempDir   the JVM's temporary folder ({@code java.io.tmpdir})
 */
public record ProcessEnvironment(Map<String, String> variables, Path tempDir) {

    public ProcessEnvironment {
        variables = Map.copyOf(variables);
        Objects.requireNonNull(tempDir, "tempDir");
    }

    /** Reads this process's environment and temporary folder. */
    public static ProcessEnvironment current() {
        return new ProcessEnvironment(System.getenv(), Path.of(System.getProperty("java.io.tmpdir")));
    }

    /** The named variable, empty when it is not set. */
    public Optional<String> variable(String name) {
        return Optional.ofNullable(variables.get(name));
    }

    /** Who this process is, for the catalog's writer records: host name ({@code HOSTNAME}, else the local host's) and process id. */
    public String writerId() {
        String host = variables.getOrDefault("HOSTNAME", "");
        if (host.isBlank()) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                host = "unknown-host";
            }
        }
        return host + "/" + ProcessHandle.current().pid();
    }

    /** The context handed to store providers: the environment, for credential locations. */
    public StoreContext storeContext() {
        return new StoreContext(variables);
    }

    /**
     * The store context of a second store (the source of a copy): every variable named
     * {@code prefix + NAME} stands for {@code NAME}, so that its credentials' locations can differ
     * from the first store's ({@code SOURCE_AWS_APPLICATION_CREDENTIALS}, as the reference's copy
     * job names them); variables without the prefix apply to both.
     */
    public StoreContext storeContext(String prefix) {
        java.util.Map<String, String> merged = new java.util.HashMap<>(variables);
        variables.forEach((name, value) -> {
            if (name.startsWith(prefix) && name.length() > prefix.length()) {
                merged.put(name.substring(prefix.length()), value);
            }
        });
        return new StoreContext(merged);
    }
}
