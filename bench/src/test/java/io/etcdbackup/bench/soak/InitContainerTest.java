package io.etcdbackup.bench.soak;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class InitContainerTest {

    @Test
    void etcdStartsAsInitializePrintedIt() {
        String stdout = "decision=JOIN successful=true initial_cluster_state=existing "
                + "initial_cluster=member-1=http://127.0.0.1:2,member-0=http://127.0.0.1:1 data_dir=/d revision=none reason=\"joined\"\n";

        assertThat(InitContainer.EtcdStart.printedIn(stdout))
                .contains(new InitContainer.EtcdStart("existing", "member-1=http://127.0.0.1:2,member-0=http://127.0.0.1:1"));
    }

    @Test
    void aQuotedClusterIsReadWithoutItsQuotes() {
        assertThat(InitContainer.EtcdStart.printedIn("initial_cluster=\"member-0=http://127.0.0.1:1\" initial_cluster_state=new"))
                .contains(new InitContainer.EtcdStart("new", "member-0=http://127.0.0.1:1"));
    }

    @Test
    void initializeWithoutTheLifecyclePrintsNoStart() {
        assertThat(InitContainer.EtcdStart.printedIn("decision=FRESH successful=true data_dir=/d revision=none took=80ms reason=\"x\""))
                .isEmpty();
    }
}
