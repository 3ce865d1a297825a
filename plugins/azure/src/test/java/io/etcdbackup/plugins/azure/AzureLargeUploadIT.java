package io.etcdbackup.plugins.azure;

import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.ObjectStores;
import io.etcdbackup.stores.StoreContext;
import io.etcdbackup.stores.WriteMode;
import io.etcdbackup.stores.conformance.GeneratedBytes;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * More than 1 GiB through the provider in a JVM capped at 256 MiB of heap (its own failsafe
 * execution with {@code -Xmx256m}): generated data streamed in, then streamed back out and checked
 * by size and SHA-256. Only the blocks in flight are ever in memory (defaults: 4 + 1 blocks of
 * 8 MiB). Azurite keeps the blocks on disk ({@code --location}); its own memory is its process.
 */
final class AzureLargeUploadIT {

    private static final long SIZE = (1L << 30) + 12_345;

    @Test
    void moreThanOneGibibyteWithA256MibHeap() throws Exception {
        assertThat(Runtime.getRuntime().maxMemory()).as("this test must run with -Xmx256m").isLessThanOrEqualTo(256L * 1024 * 1024);
        try (Azurite azurite = Azurite.start()) {
            azurite.createContainer("large");
            StoreContext context = new StoreContext(Map.of("AZURE_STORAGE_CONNECTION_STRING", azurite.connectionString()));
            try (ObjectStore store = ObjectStores.open("azblob://large/it", context)) {
                GeneratedBytes data = new GeneratedBytes(42, SIZE);
                String written = data.publish(store, "big.bin", WriteMode.IF_ABSENT);
                data.assertPublishedAt(store, "big.bin", written);
            }
            // The emulator held the blob on disk, not only in its memory.
            assertThat(directorySize(azurite.dataDirectory())).isGreaterThanOrEqualTo(SIZE);
            System.out.printf("azurite peak resident memory: %d MiB%n", azurite.residentKib() / 1024);
        }
    }

    private static long directorySize(Path dir) throws Exception {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }
}
