package io.etcdbackup.restore.init;

import io.etcdbackup.restore.EtcdTool;
import io.etcdbackup.restore.RestorePlan;
import io.etcdbackup.restore.RestorePlanner;
import io.etcdbackup.restore.RestoreTarget;
import io.etcdbackup.restore.Restorer;
import io.etcdbackup.restore.UnreadableDatabaseException;
import io.etcdbackup.restore.init.InitializationOutcome.Decision;
import io.etcdbackup.snapshot.EtcdBackupException;
import io.etcdbackup.snapshot.catalog.BackupLayout;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.etcdbackup.snapshot.catalog.CatalogWriter;
import io.etcdbackup.snapshot.catalog.FullSnapshotRef;
import io.etcdbackup.snapshot.catalog.GenerationInfo;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.WriteMode;
import io.etcdbackup.stores.faults.FaultInjectingObjectStore;
import io.etcdbackup.stores.local.LocalStoreProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The initializer's actions around the decision, with fakes for etcd's database tool and for the
 * restore (the real ones run in the agent's InitializeIT).
 */
class InitializerTest {

    private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    @TempDir
    Path dir;

    private ObjectStore store;
    private Path dataDir;
    private String identity;
    /** The revision the fake database tool reports; negative: it reports the database unreadable. */
    private final AtomicLong databaseRevision = new AtomicLong(50);
    private final List<RestoreTarget> restores = new ArrayList<>();
    private EtcdBackupException restoreFailure;

    @BeforeEach
    void setUp() throws Exception {
        store = LocalStoreProvider.at(Files.createDirectories(dir.resolve("store")));
        dataDir = dir.resolve("data");
        identity = store.location();
    }

    @AfterEach
    void tearDown() throws Exception {
        store.close();
    }

    private Initializer initializer(ObjectStore backups) {
        DataDirValidator validator = new DataDirValidator(db -> {
            if (databaseRevision.get() < 0) {
                throw new UnreadableDatabaseException(db, "Error: invalid database");
            }
            return new EtcdTool.DatabaseStatus(databaseRevision.get(), 1, 1, 1);
        });
        return new Initializer(backups, new RestorePlanner(new Catalog(backups)), validator, this::fakeRestore, CLOCK);
    }

    private Restorer.Result fakeRestore(RestorePlan plan, RestoreTarget target) throws java.io.IOException {
        restores.add(target);
        if (restoreFailure != null) {
            throw restoreFailure;
        }
        if (Files.exists(target.dataDir())) {
            try (Stream<Path> walk = Files.walk(target.dataDir())) {
                for (Path p : (Iterable<Path>) walk.sorted(java.util.Comparator.reverseOrder())::iterator) {
                    Files.delete(p);
                }
            }
        }
        DataDirValidatorTest.etcdLayout(target.dataDir());
        return new Restorer.Result(target.dataDir(), plan.targetRevision(), 1, 1, java.time.Duration.ZERO, Restorer.ReplayStats.NONE);
    }

    private InitializationOutcome initialize() {
        return initialize(initializer(store));
    }

    private InitializationOutcome initialize(Initializer initializer) {
        RestoreTarget target = RestoreTarget.singleMember(dataDir, false);
        return initializer.initialize(new InitializationRequest(target, ValidationMode.SANITY, identity));
    }

    private void backupAt(long revision) throws Exception {
        Catalog catalog = new Catalog(store, new CatalogWriter(store, "test", CLOCK));
        String generation = "20261122T000000000Z-0001";
        catalog.recordGeneration(new GenerationInfo(generation, "test", NOW, 7, revision, null));
        String key = BackupLayout.fullKey(generation, revision, NOW);
        store.put(key, new byte[] {0}, WriteMode.IF_ABSENT);
        catalog.recordFull(new FullSnapshotRef(key, generation, revision, NOW, 1));
    }

    private Set<String> contents(Path directory) throws Exception {
        try (Stream<Path> walk = Files.walk(directory)) {
            return walk.map(p -> directory.relativize(p).toString()).filter(s -> !s.isEmpty()).collect(Collectors.toSet());
        }
    }

    @Test
    void anEmptyStoreAndNoDataDirStartFreshInAPrivateDirectoryClaimedForThisIdentity() throws Exception {
        InitializationOutcome outcome = initialize();

        assertThat(outcome.decision()).isEqualTo(Decision.FRESH);
        assertThat(outcome.successful()).isTrue();
        assertThat(outcome.revision()).isEmpty();
        assertThat(contents(dataDir)).containsExactly(Safeguard.FILE_NAME);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dataDir))).isEqualTo("rwx------");
        assertThat(Safeguard.read(dataDir)).contains(new Safeguard(identity, NOW));
    }

    @Test
    void aValidDirIsKeptAndClaimedWhenItCarriesNoSafeguardYet() throws Exception {
        backupAt(40);
        DataDirValidatorTest.etcdLayout(dataDir);

        InitializationOutcome outcome = initialize();

        assertThat(outcome.decision()).isEqualTo(Decision.KEEP);
        assertThat(outcome.successful()).isTrue();
        assertThat(outcome.revision()).hasValue(50);
        assertThat(outcome.verdict()).hasValueSatisfying(v -> assertThat(v.status()).isEqualTo(DataDirVerdict.Status.VALID));
        assertThat(Safeguard.read(dataDir)).contains(new Safeguard(identity, NOW));
        assertThat(restores).isEmpty();
    }

    @Test
    void aDirBehindTheBackupsIsRestoredReplacingItAndClaimed() throws Exception {
        backupAt(60);
        DataDirValidatorTest.etcdLayout(dataDir);

        InitializationOutcome outcome = initialize();

        assertThat(outcome.decision()).isEqualTo(Decision.RESTORE);
        assertThat(outcome.successful()).isTrue();
        assertThat(outcome.revision()).hasValue(60);
        assertThat(restores).singleElement().satisfies(t -> {
            assertThat(t.dataDir()).isEqualTo(dataDir);
            assertThat(t.replaceExisting()).isTrue();
        });
        assertThat(Safeguard.read(dataDir)).contains(new Safeguard(identity, NOW));
    }

    @Test
    void aFailedRestoreIsAFailedOutcomeThatLeavesTheDataDirAsItWas() throws Exception {
        backupAt(60);
        DataDirValidatorTest.etcdLayout(dataDir);
        databaseRevision.set(-1);
        restoreFailure = new EtcdBackupException("object eba-v1/x is corrupt");
        Set<String> before = contents(dataDir);

        InitializationOutcome outcome = initialize();

        assertThat(outcome.decision()).isEqualTo(Decision.RESTORE);
        assertThat(outcome.successful()).isFalse();
        assertThat(outcome.reason()).contains("restore failed", "is corrupt", "left as it was");
        assertThat(contents(dataDir)).isEqualTo(before);
    }

    @Test
    void aVolumeClaimedByAnotherIdentityIsRefusedBeforeAnythingIsReadOrChanged() throws Exception {
        backupAt(60);
        DataDirValidatorTest.etcdLayout(dataDir);
        new Safeguard("s3://other-cluster/backups", NOW.minusSeconds(3600)).writeTo(dataDir);
        databaseRevision.set(-1); // even a broken database is not replaced
        Set<String> before = contents(dataDir);

        InitializationOutcome outcome = initialize();

        assertThat(outcome.decision()).isEqualTo(Decision.REFUSE);
        assertThat(outcome.successful()).isFalse();
        assertThat(outcome.reason()).contains("wrong volume", "s3://other-cluster/backups", identity);
        assertThat(outcome.verdict()).isEmpty();
        assertThat(restores).isEmpty();
        assertThat(contents(dataDir)).isEqualTo(before);
        assertThat(Safeguard.read(dataDir).orElseThrow().identity()).isEqualTo("s3://other-cluster/backups");
    }

    @Test
    void anUnreadableSafeguardIsRefusedRatherThanGuessed() throws Exception {
        DataDirValidatorTest.etcdLayout(dataDir);
        Files.writeString(dataDir.resolve(Safeguard.FILE_NAME), "{not json");

        InitializationOutcome outcome = initialize();

        assertThat(outcome.decision()).isEqualTo(Decision.REFUSE);
        assertThat(outcome.reason()).contains("cannot tell whom", Safeguard.FILE_NAME);
    }

    @Test
    void withTheStoreDownAMissingDirIsRefusedAndNotCreated() throws Exception {
        backupAt(60);
        FaultInjectingObjectStore down = new FaultInjectingObjectStore(store, 1);
        down.down();

        InitializationOutcome outcome = initialize(initializer(down));

        assertThat(outcome.decision()).isEqualTo(Decision.REFUSE);
        assertThat(outcome.reason()).contains("unreachable");
        assertThat(dataDir).doesNotExist();
    }

    @Test
    void withTheStoreDownAValidDirIsKeptSayingItWasNotCompared() throws Exception {
        DataDirValidatorTest.etcdLayout(dataDir);
        FaultInjectingObjectStore down = new FaultInjectingObjectStore(store, 1);
        down.down();

        InitializationOutcome outcome = initialize(initializer(down));

        assertThat(outcome.decision()).isEqualTo(Decision.KEEP);
        assertThat(outcome.successful()).isTrue();
        assertThat(outcome.reason()).contains("not compared with the backups");
    }

    @Test
    void aValidationThatCannotRunRefusesWithoutAVerdict() throws Exception {
        DataDirValidatorTest.etcdLayout(dataDir);
        DataDirValidator noTool = new DataDirValidator(db -> {
            throw new java.io.IOException("Cannot run program \"etcdctl\": error=2, No such file or directory");
        });

        InitializationOutcome outcome = initialize(
                new Initializer(store, new RestorePlanner(new Catalog(store)), noTool, this::fakeRestore, CLOCK));

        assertThat(outcome.decision()).isEqualTo(Decision.REFUSE);
        assertThat(outcome.reason()).contains("could not validate", "etcdctl", "nothing was changed");
        assertThat(outcome.verdict()).isEmpty();
    }

    @Test
    void aSecondRunAfterARestoreKeepsWhatTheFirstRestored() throws Exception {
        backupAt(60);
        Initializer initializer = initializer(store);
        assertThat(initialize(initializer).decision()).isEqualTo(Decision.RESTORE);
        databaseRevision.set(60);

        InitializationOutcome second = initialize(initializer);

        assertThat(second.decision()).isEqualTo(Decision.KEEP);
        assertThat(restores).hasSize(1);
    }
}
