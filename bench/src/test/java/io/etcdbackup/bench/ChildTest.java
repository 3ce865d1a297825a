package io.etcdbackup.bench;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class ChildTest {

    @Test
    void cpuTicksAreUserPlusSystemTimeEvenWhenTheCommandNameHasSpacesAndParentheses() {
        String stat = "4242 (java (x) y) S 1 4242 4242 0 -1 4194560 30145 0 12 0 731 96 0 0 20 0 41 0 4538649 3000000 5000 18446744073709551615";

        assertThat(Child.ticks(stat)).isEqualTo(731 + 96);
    }

    @Test
    void aChildThatBurnsCpuReportsItsCpuTime() throws Exception {
        Path logs = Files.createTempDirectory("child-test");
        Child.Result result = Child.run(java.util.List.of("/bin/sh", "-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done"),
                java.util.Map.of(), logs.resolve("busy"), java.time.Duration.ofMinutes(1));

        assertThat(result.cpuSeconds()).isPositive().isLessThanOrEqualTo(result.seconds() + 0.05);
    }
}
