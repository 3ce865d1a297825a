package io.etcdbackup.stores.faults;

import io.etcdbackup.stores.NoSuchObjectException;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.TransientStoreException;
import io.etcdbackup.stores.WriteMode;
import io.etcdbackup.stores.faults.FaultInjectingObjectStore.Operation;
import io.etcdbackup.stores.local.LocalStoreProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

final class FaultInjectingObjectStoreTest {

    @TempDir
    Path dir;
    ObjectStore local;

    @BeforeEach
    void setUp() throws IOException {
        local = LocalStoreProvider.at(dir);
    }

    @Test
    void failsChosenOperationAndKeysOnly() throws IOException {
        FaultInjectingObjectStore faults = new FaultInjectingObjectStore(local, 1)
                .on(Operation.STAT).keys("bad/.*").fail();
        faults.put("bad/x", bytes("x"), WriteMode.OVERWRITE);
        faults.put("good/x", bytes("x"), WriteMode.OVERWRITE);

        assertThatThrownBy(() -> faults.stat("bad/x")).isInstanceOf(TransientStoreException.class);
        assertThat(faults.stat("good/x").size()).isEqualTo(1);
        assertThat(faults.readAll("bad/x")).isEqualTo(bytes("x"));
        assertThat(faults.injectedCount()).isEqualTo(1);
    }

    @Test
    void timesLimitsTheFaultAndCustomExceptionIsThrown() throws IOException {
        FaultInjectingObjectStore faults = new FaultInjectingObjectStore(local, 1)
                .on(Operation.OPEN).times(2).fail(() -> new NoSuchObjectException("fake", "k"));
        local.put("k", bytes("v"), WriteMode.OVERWRITE);

        assertThatThrownBy(() -> faults.open("k")).isInstanceOf(NoSuchObjectException.class);
        assertThatThrownBy(() -> faults.open("k", 0, 1)).isInstanceOf(NoSuchObjectException.class);
        assertThat(faults.readAll("k")).isEqualTo(bytes("v"));
    }

    @Test
    void failureBeforeCallLeavesNothingAndAfterCallLeavesTheEffect() throws IOException {
        FaultInjectingObjectStore faults = new FaultInjectingObjectStore(local, 1)
                .on(Operation.CLOSE).keys("before").times(1).fail()
                .on(Operation.CLOSE).keys("after").times(1).afterCall().fail();

        assertThatThrownBy(() -> faults.put("before", bytes("b"), WriteMode.OVERWRITE)).isInstanceOf(TransientStoreException.class);
        assertThatThrownBy(() -> faults.put("after", bytes("a"), WriteMode.OVERWRITE)).isInstanceOf(TransientStoreException.class);

        assertThatThrownBy(() -> local.stat("before")).isInstanceOf(NoSuchObjectException.class);
        assertThat(local.readAll("after")).isEqualTo(bytes("a"));
    }

    @Test
    void probabilityIsSeededAndRoughlyHonoured() throws IOException {
        local.put("k", bytes("v"), WriteMode.OVERWRITE);
        int first = countFailures(new FaultInjectingObjectStore(local, 7).on(Operation.STAT).probability(0.2).fail());
        int second = countFailures(new FaultInjectingObjectStore(local, 7).on(Operation.STAT).probability(0.2).fail());

        assertThat(first).isEqualTo(second).isBetween(120, 280);
    }

    private static int countFailures(FaultInjectingObjectStore faults) {
        int failures = 0;
        for (int i = 0; i < 1000; i++) {
            try {
                faults.stat("k");
            } catch (IOException e) {
                failures++;
            }
        }
        return failures;
    }

    @Test
    void downUntilUp() throws IOException {
        FaultInjectingObjectStore faults = new FaultInjectingObjectStore(local, 1);
        faults.down();
        assertThatThrownBy(() -> faults.list("")).isInstanceOf(TransientStoreException.class);
        assertThatThrownBy(() -> faults.delete("k")).isInstanceOf(TransientStoreException.class);
        faults.up();
        assertThat(faults.list("").toList()).isEmpty();
    }

    @Test
    void cutsStreamsAfterBytes() throws IOException {
        local.put("k", bytes("0123456789"), WriteMode.OVERWRITE);
        FaultInjectingObjectStore faults = new FaultInjectingObjectStore(local, 1).on(Operation.OPEN).cutStreamAfter(4);

        try (InputStream in = faults.open("k")) {
            assertThat(in.readNBytes(4)).isEqualTo(bytes("0123"));
            assertThatThrownBy(in::read).isInstanceOf(TransientStoreException.class);
        }
    }

    @Test
    void delaysCalls() throws IOException {
        FaultInjectingObjectStore faults = new FaultInjectingObjectStore(local, 1).on(Operation.DELETE).delay(Duration.ofMillis(50));
        long start = System.nanoTime();
        faults.delete("k");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(50));
        assertThat(faults.injectedCount()).isEqualTo(1);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
