package io.etcdbackup.bench.soak;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class FaultScheduleTest {

    @Test
    void everyFaultComesOnceBeforeAnyComesTwice() {
        FaultSchedule schedule = new FaultSchedule(7, EnumSet.allOf(Fault.class));

        List<Fault> first = new ArrayList<>();
        for (int i = 0; i < Fault.values().length; i++) {
            first.add(schedule.next().fault());
        }

        assertThat(first).containsExactlyInAnyOrder(Fault.values());
    }

    @Test
    void theSameSeedGivesTheSameRoundsOnFoundingMembers() {
        FaultSchedule one = new FaultSchedule(42, EnumSet.of(Fault.ETCD_CRASH, Fault.AGENT_CRASH));
        FaultSchedule two = new FaultSchedule(42, EnumSet.of(Fault.AGENT_CRASH, Fault.ETCD_CRASH));

        for (int i = 0; i < 20; i++) {
            FaultSchedule.Planned planned = one.next();
            assertThat(planned).isEqualTo(two.next());
            assertThat(planned.fault()).isIn(Fault.ETCD_CRASH, Fault.AGENT_CRASH);
            assertThat(planned.target()).isBetween(0, Cluster.FOUNDING_MEMBERS - 1);
        }
    }
}
