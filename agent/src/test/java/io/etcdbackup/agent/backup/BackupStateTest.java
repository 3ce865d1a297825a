package io.etcdbackup.agent.backup;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class BackupStateTest {

    private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");

    private static BackupState state(boolean capturing, Optional<Instant> recoveryPoint) {
        return new BackupState(Optional.of("g1"), capturing, Optional.empty(), 10, 10, Optional.empty(), Optional.empty(),
                Optional.of(NOW), ChainStats.EMPTY, Optional.empty(), Optional.empty(), recoveryPoint, NOW);
    }

    @Test
    void theRecoveryPointLagIsMeasuredAtTheStatesInstant() {
        assertThat(state(true, Optional.of(NOW.minusSeconds(7))).recoveryPointLag()).contains(Duration.ofSeconds(7));
    }

    @Test
    void aRecoveryPointAfterTheStatesInstantIsNoLag() {
        assertThat(state(true, Optional.of(NOW.plusSeconds(1))).recoveryPointLag()).contains(Duration.ZERO);
    }

    @Test
    void thereIsNoLagWhileNotCapturingOrBeforeARecoveryPoint() {
        assertThat(state(false, Optional.of(NOW.minusSeconds(7))).recoveryPointLag()).isEmpty();
        assertThat(state(true, Optional.empty()).recoveryPointLag()).isEmpty();
    }
}
