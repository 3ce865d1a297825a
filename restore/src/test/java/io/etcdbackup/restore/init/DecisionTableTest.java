package io.etcdbackup.restore.init;

import io.etcdbackup.restore.NativeFormat;
import io.etcdbackup.restore.RestorePlanner;
import io.etcdbackup.restore.RestoreTarget;
import io.etcdbackup.restore.init.InitializationOutcome.Decision;
import io.etcdbackup.restore.init.Initializer.Backups;
import io.etcdbackup.restore.init.Initializer.CatalogView;
import io.etcdbackup.restore.init.Initializer.Membership;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.catalog.Generation;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The initializer's decisions, one row of the table at a time (README: "initialize"). */
class DecisionTableTest {

    private static final DataDirVerdict MISSING = DataDirVerdict.missing("data dir /d does not exist");
    private static final DataDirVerdict EMPTY = DataDirVerdict.empty("data dir /d is empty");
    private static final DataDirVerdict INVALID = DataDirVerdict.invalid("data dir /d: database member/snap/db is unreadable", List.of());

    private static DataDirVerdict validAt(long revision) {
        return DataDirVerdict.valid(revision, "data dir /d is valid at revision " + revision, List.of());
    }

    private static CatalogView backupsUpTo(long revision) {
        Generation generation = new Generation("g", List.of(new FullSnapshotRef("full", "g", revision, Instant.EPOCH, 1)), List.of());
        return new CatalogView(Backups.AVAILABLE, RestorePlanner.planFrom(generation, NativeFormat.INSTANCE), "latest restorable revision " + revision);
    }

    private static final CatalogView NO_BACKUPS = new CatalogView(Backups.NONE, null, "the store holds no backups");
    private static final CatalogView UNREACHABLE = new CatalogView(Backups.UNAVAILABLE, null, "the store is unreachable: timeout");

    private static Decision single(DataDirVerdict verdict, CatalogView catalog) {
        return Initializer.decide(verdict, catalog, Membership.SINGLE).decision();
    }

    private static Decision multi(DataDirVerdict verdict, CatalogView catalog) {
        return Initializer.decide(verdict, catalog, Membership.MULTI).decision();
    }

    @Test
    void aValidDirAtOrAheadOfTheBackupsIsKept() {
        assertThat(single(validAt(100), backupsUpTo(100))).isEqualTo(Decision.KEEP);
        assertThat(single(validAt(150), backupsUpTo(100))).isEqualTo(Decision.KEEP);
    }

    @Test
    void aValidDirBehindTheBackupsIsRestored() {
        Initializer.Choice choice = Initializer.decide(validAt(99), backupsUpTo(100), Membership.SINGLE);
        assertThat(choice.decision()).isEqualTo(Decision.RESTORE);
        assertThat(choice.reason()).contains("revision 99", "behind the backups", "revision 100");
    }

    @Test
    void aValidDirIsKeptWhenThereIsNothingToCompareWith() {
        assertThat(single(validAt(5), NO_BACKUPS)).isEqualTo(Decision.KEEP);
        Initializer.Choice unreachable = Initializer.decide(validAt(5), UNREACHABLE, Membership.SINGLE);
        assertThat(unreachable.decision()).isEqualTo(Decision.KEEP);
        assertThat(unreachable.reason()).contains("not compared with the backups", "unreachable");
    }

    @Test
    void aMissingOrEmptyDirIsRestoredFromBackupsOrStartedFreshWithout() {
        for (DataDirVerdict nothing : List.of(MISSING, EMPTY)) {
            assertThat(single(nothing, backupsUpTo(10))).isEqualTo(Decision.RESTORE);
            assertThat(single(nothing, NO_BACKUPS)).isEqualTo(Decision.FRESH);
        }
    }

    @Test
    void aMissingOrEmptyDirIsRefusedWhileTheStoreCannotSayWhetherBackupsExist() {
        for (DataDirVerdict nothing : List.of(MISSING, EMPTY)) {
            Initializer.Choice choice = Initializer.decide(nothing, UNREACHABLE, Membership.SINGLE);
            assertThat(choice.decision()).isEqualTo(Decision.REFUSE);
            assertThat(choice.reason()).contains("unreachable", "could hide existing backups");
        }
    }

    @Test
    void anInvalidDirIsRestoredFromBackupsAndOtherwiseLeftForRepair() {
        assertThat(single(INVALID, backupsUpTo(10))).isEqualTo(Decision.RESTORE);
        Initializer.Choice none = Initializer.decide(INVALID, NO_BACKUPS, Membership.SINGLE);
        assertThat(none.decision()).isEqualTo(Decision.REFUSE);
        assertThat(none.reason()).contains("unreadable", "holds no backups", "left for repair");
        assertThat(single(INVALID, UNREACHABLE)).isEqualTo(Decision.REFUSE);
    }

    @Test
    void aMemberOfAMultiMemberClusterIsKeptWithoutComparingAndNeverRestoredAlone() {
        assertThat(multi(validAt(1), backupsUpTo(100))).isEqualTo(Decision.KEEP);
        for (DataDirVerdict unusable : List.of(MISSING, EMPTY, INVALID)) {
            Initializer.Choice choice = Initializer.decide(unusable, backupsUpTo(100), Membership.MULTI);
            assertThat(choice.decision()).isEqualTo(Decision.REFUSE);
            assertThat(choice.reason()).contains("rejoin from its peers", "restore every member");
        }
        assertThat(multi(EMPTY, NO_BACKUPS)).isEqualTo(Decision.FRESH);
    }

    @Test
    void aMemberJoiningARunningClusterTakesItsDataFromItsPeersWhateverTheStoreHolds() {
        for (CatalogView catalog : List.of(backupsUpTo(100), NO_BACKUPS, UNREACHABLE)) {
            assertThat(Initializer.decide(validAt(1), catalog, Membership.JOINING).decision()).isEqualTo(Decision.KEEP);
            assertThat(Initializer.decide(EMPTY, catalog, Membership.JOINING).decision()).isEqualTo(Decision.FRESH);
            assertThat(Initializer.decide(MISSING, catalog, Membership.JOINING).decision()).isEqualTo(Decision.FRESH);
            Initializer.Choice invalid = Initializer.decide(INVALID, catalog, Membership.JOINING);
            assertThat(invalid.decision()).isEqualTo(Decision.REFUSE);
            assertThat(invalid.reason()).contains("removed from the cluster", "added back");
        }
    }

    @Test
    void membershipFollowsTheInitialClusterAndItsState() {
        RestoreTarget one = RestoreTarget.singleMember(Path.of("/d"), false);
        RestoreTarget three = new RestoreTarget(Path.of("/d"), "a",
                "a=http://a:2380,b=http://b:2380,c=http://c:2380", "http://a:2380", "t", false);
        assertThat(Membership.of(new InitializationRequest(one, ValidationMode.FULL, "id"))).isEqualTo(Membership.SINGLE);
        assertThat(Membership.of(new InitializationRequest(three, ValidationMode.FULL, "id"))).isEqualTo(Membership.MULTI);
        assertThat(Membership.of(new InitializationRequest(three, ValidationMode.FULL, "id", true))).isEqualTo(Membership.JOINING);
    }

    @Test
    void whenNoMemberAnswersEveryMemberWithoutDataRestoresTheLatestBackupAndAValidOneIsKept() {
        for (DataDirVerdict lost : List.of(MISSING, EMPTY, INVALID)) {
            Initializer.Choice choice = Initializer.decide(lost, backupsUpTo(10), Membership.CLUSTER_DOWN);
            assertThat(choice.decision()).isEqualTo(Decision.RESTORE);
            assertThat(choice.reason()).contains("same revision", "whole membership");
            assertThat(Initializer.decide(lost, UNREACHABLE, Membership.CLUSTER_DOWN).decision()).isEqualTo(Decision.REFUSE);
        }
        assertThat(Initializer.decide(validAt(5), backupsUpTo(10), Membership.CLUSTER_DOWN).decision()).isEqualTo(Decision.KEEP);
    }

    @Test
    void whenNoMemberAnswersAndNoBackupsExistTheMembersBootstrapANewCluster() {
        assertThat(Initializer.decide(MISSING, NO_BACKUPS, Membership.CLUSTER_DOWN).decision()).isEqualTo(Decision.FRESH);
        assertThat(Initializer.decide(INVALID, NO_BACKUPS, Membership.CLUSTER_DOWN).decision()).isEqualTo(Decision.REFUSE);
    }
}
