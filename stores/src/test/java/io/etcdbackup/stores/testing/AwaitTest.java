package io.etcdbackup.stores.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AwaitTest {

    @Test
    void returnsTheFirstValueThatSatisfiesTheCondition() throws Exception {
        AtomicInteger polls = new AtomicInteger();
        int value = Await.await("three polls", Duration.ofSeconds(30), polls::incrementAndGet, n -> n >= 3);
        assertThat(value).isEqualTo(3);
        assertThat(polls).hasValue(3);
    }

    @Test
    void aTimeoutNamesWhatWasAwaitedAndTheLastObservedValue() {
        AtomicInteger polls = new AtomicInteger();
        assertThatThrownBy(() -> Await.await("the counter to reach -1", Duration.ofMillis(50), polls::incrementAndGet, n -> n < 0))
                .isInstanceOf(Await.TimedOut.class)
                .hasMessageStartingWith("timed out after 50 ms waiting for the counter to reach -1; last observed: ")
                .hasMessageEndingWith("last observed: " + polls.get());
    }

    @Test
    void aConditionThatNeverHoldsTimesOutWithoutAValue() {
        assertThatThrownBy(() -> Await.await("never", Duration.ofMillis(20), () -> false))
                .isInstanceOf(Await.TimedOut.class).hasMessage("timed out after 20 ms waiting for never");
    }

    @Test
    void whatTheConditionThrowsFailsTheWaitAtOnce() {
        AtomicInteger polls = new AtomicInteger();
        assertThatThrownBy(() -> Await.await("a dead server", Duration.ofSeconds(30), () -> {
            polls.incrementAndGet();
            throw new IOException("server exited");
        })).isInstanceOf(IOException.class).hasMessage("server exited");
        assertThat(polls).hasValue(1);
    }
}
