package io.etcdbackup.stores;

import java.io.IOException;
import java.util.function.Function;

/**
 * A call into a backend's SDK, whose unchecked failures the provider maps to the SPI's exceptions
 * ({@link NoSuchObjectException}, {@link TransientStoreException}, ...) in one place: the mapping.
 *
 * @param <T> what the call returns
 */
@FunctionalInterface
public interface BackendCall<T> {

    /** Makes the call. */
    T call() throws IOException;

    /** A backend call that returns nothing. */
    @FunctionalInterface
    interface Action {
        /** Makes the call. */
        void run() throws IOException;
    }

    /**
     * Makes {@code call}; an unchecked failure is thrown as what {@code mapping} makes of it.
     * Checked failures pass unchanged.
     */
    static <T> T mapped(BackendCall<T> call, Function<RuntimeException, IOException> mapping) throws IOException {
        try {
            return call.call();
        } catch (RuntimeException e) {
            throw mapping.apply(e);
        }
    }

    /** {@link #mapped(BackendCall, Function)} for a call that returns nothing. */
    static void run(Action action, Function<RuntimeException, IOException> mapping) throws IOException {
        mapped(() -> {
            action.run();
            return null;
        }, mapping);
    }
}
