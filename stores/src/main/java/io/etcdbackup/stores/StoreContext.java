package io.etcdbackup.stores;

import java.util.Collections;
import java.util.Map;
import java.util.Optional;

/**
 * What a provider may know about its surroundings. The agent's configuration reads the process
 * environment once and hands the relevant part down here; providers never read environment
 * variables or system properties themselves.
 *
 * @param environment environment variables visible to providers (credential locations, keys)
 */
public record StoreContext(Map<String, String> environment) {

    public StoreContext {
        environment = Collections.unmodifiableMap(Map.copyOf(environment));
    }

    /** A context with no environment at all (tests, local stores). */
    public static StoreContext empty() {
        return new StoreContext(Map.of());
    }

    /** One environment variable, if set and non-blank. */
    public Optional<String> env(String name) {
        String value = environment.get(name);
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value);
    }
}
