package io.etcdbackup.agent.backup;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class RecoveryPointTest {

    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");

    private static Instant at(int seconds) {
        return T0.plusSeconds(seconds);
    }

    @Test
    void isUnknownUntilAnObservationOfEtcdBecomesDurable() {
        RecoveryPoint point = new RecoveryPoint();
        assertThat(point.lag(at(10))).isEmpty();
        point.etcdObserved(100, at(0));
        assertThat(point.instant()).as("revision 100 not durable yet").isEmpty();
        point.durableUpTo(100);
        assertThat(point.instant()).contains(at(0));
        assertThat(point.lag(at(7))).contains(Duration.ofSeconds(7));
    }

    @Test
    void onAnIdleClusterEveryObservationIsAlreadyDurableSoTheLagStaysBelowTheObservationPeriod() {
        RecoveryPoint point = new RecoveryPoint();
        point.durableUpTo(100);
        for (int second = 0; second <= 3600; second += 5) {
            point.etcdObserved(100, at(second));
            assertThat(point.lag(at(second + 4))).contains(Duration.ofSeconds(4));
        }
    }

    @Test
    void underLoadThePointIsTheNewestObservationWhoseRevisionIsDurable() {
        RecoveryPoint point = new RecoveryPoint();
        point.durableUpTo(100);
        point.etcdObserved(150, at(5));
        point.etcdObserved(200, at(10));
        point.etcdObserved(260, at(15));
        point.durableUpTo(210); // a segment up to 210: etcd was at 200 at 10 s, all of it is durable
        assertThat(point.instant()).contains(at(10));
        point.durableUpTo(259);
        assertThat(point.instant()).as("260 is not durable yet").contains(at(10));
        point.durableUpTo(260);
        assertThat(point.instant()).contains(at(15));
    }

    @Test
    void aStalledCaptureLetsTheLagGrow() {
        RecoveryPoint point = new RecoveryPoint();
        point.etcdObserved(100, at(0));
        point.durableUpTo(100);
        for (int second = 5; second <= 60; second += 5) {
            point.etcdObserved(100 + second, at(second));
        }
        assertThat(point.lag(at(60))).contains(Duration.ofSeconds(60));
    }

    @Test
    void repeatedObservationsOfOneRevisionKeepTheNewestInstant() {
        RecoveryPoint point = new RecoveryPoint();
        point.etcdObserved(100, at(0));
        point.etcdObserved(100, at(5));
        point.durableUpTo(100);
        assertThat(point.instant()).contains(at(5));
    }

    @Test
    void neverMovesBackwards() {
        RecoveryPoint point = new RecoveryPoint();
        point.etcdObserved(100, at(10));
        point.durableUpTo(100);
        point.etcdObserved(90, at(3)); // a late answer from a slower status read
        assertThat(point.instant()).contains(at(10));
    }

    @Test
    void holdsABoundedNumberOfPendingObservations() {
        RecoveryPoint point = new RecoveryPoint();
        for (int i = 1; i <= RecoveryPoint.MAX_PENDING + 10; i++) {
            point.etcdObserved(i, at(i));
        }
        point.durableUpTo(RecoveryPoint.MAX_PENDING + 10);
        assertThat(point.instant()).contains(at(RecoveryPoint.MAX_PENDING + 10));
    }
}
