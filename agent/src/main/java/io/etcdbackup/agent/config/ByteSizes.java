package io.etcdbackup.agent.config;

import io.etcdbackup.stores.Quantities;

/**
 * Byte sizes as operators write them: {@code 1048576}, {@code 10MiB}, {@code 64Mi}, {@code 5MB};
 * the one grammar of {@link Quantities}, which store URL options use as well.
 */
public final class ByteSizes {

    private ByteSizes() {
    }

    /**
     * Parses a size; {@code Ki/Mi/Gi} (and {@code KiB...}) are powers of 1024, {@code K/M/G}
     * (and {@code KB...}) powers of 1000.
     *
     * @throws IllegalArgumentException naming the value
     */
    public static long parse(String text) {
        return Quantities.bytes(text);
    }
}
