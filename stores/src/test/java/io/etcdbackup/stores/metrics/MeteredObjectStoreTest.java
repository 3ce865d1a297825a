package io.etcdbackup.stores.metrics;

import io.etcdbackup.stores.NoSuchObjectException;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.ObjectWriter;
import io.etcdbackup.stores.WriteMode;
import io.etcdbackup.stores.faults.FaultInjectingObjectStore;
import io.etcdbackup.stores.faults.FaultInjectingObjectStore.Operation;
import io.etcdbackup.stores.local.LocalStoreProvider;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

final class MeteredObjectStoreTest {

    @TempDir
    Path dir;
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private long calls(String operation, String outcome) {
        var timer = registry.find(MeteredObjectStore.CALLS).tags("store", "file", "operation", operation, "outcome", outcome).timer();
        return timer == null ? 0 : timer.count();
    }

    private double counter(String name, String... tags) {
        var counter = registry.find(name).tags(tags).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void countsCallsBytesOutcomesAndErrors() throws IOException {
        FaultInjectingObjectStore faults = new FaultInjectingObjectStore(LocalStoreProvider.at(dir), 1)
                .on(Operation.DELETE).times(1).fail();
        ObjectStore store = new MeteredObjectStore(faults, registry);

        store.put("a", new byte[1000], WriteMode.OVERWRITE);
        store.put("b", new byte[24], WriteMode.IF_ABSENT);
        assertThatThrownBy(() -> store.put("b", new byte[5], WriteMode.IF_ABSENT)).isInstanceOf(IOException.class);
        ObjectWriter aborted = store.create("c", WriteMode.OVERWRITE);
        aborted.write(new byte[77]);
        aborted.abort();
        try (InputStream in = store.open("a", 100, 50)) {
            in.readAllBytes();
        }
        store.readAll("b");
        assertThatThrownBy(() -> store.stat("missing")).isInstanceOf(NoSuchObjectException.class);
        store.stat("a");
        store.list("").toList();
        assertThatThrownBy(() -> store.delete("a")).isInstanceOf(IOException.class);
        store.delete("a");

        assertThat(calls("write", "success")).isEqualTo(2);
        assertThat(calls("write", "already_exists")).isEqualTo(1);
        assertThat(calls("write", "aborted")).isEqualTo(1);
        assertThat(calls("open", "success")).isEqualTo(2);
        assertThat(calls("stat", "not_found")).isEqualTo(1);
        assertThat(calls("stat", "success")).isEqualTo(1);
        assertThat(calls("list", "success")).isEqualTo(1);
        assertThat(calls("delete", "error")).isEqualTo(1);
        assertThat(calls("delete", "success")).isEqualTo(1);
        assertThat(counter(MeteredObjectStore.BYTES, "direction", "write")).isEqualTo(1024);
        assertThat(counter(MeteredObjectStore.BYTES, "direction", "read")).isEqualTo(74);
        assertThat(counter(MeteredObjectStore.ERRORS, "operation", "delete", "kind", "transient")).isEqualTo(1);
        assertThat(counter(MeteredObjectStore.ERRORS, "operation", "stat")).as("not-found is no error").isZero();
        assertThat(counter(MeteredObjectStore.ERRORS, "operation", "write")).as("already-exists is no error").isZero();
    }
}
