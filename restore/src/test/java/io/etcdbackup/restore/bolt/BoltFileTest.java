package io.etcdbackup.restore.bolt;

import io.etcdbackup.restore.bolt.BoltImage.Child;
import io.etcdbackup.restore.bolt.BoltImage.Element;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BoltFileTest {

    private static final int PAGE = 4096;

    @TempDir
    Path dir;

    @Test
    void theValidMetaWithTheHigherTxidIsUsed() throws IOException {
        for (int newer = 0; newer <= 1; newer++) {
            BoltImage image = new BoltImage(PAGE);
            long older = rootWithBucket(image, "old");
            long latest = rootWithBucket(image, "new");
            image.meta(newer, latest, 8).meta(1 - newer, older, 7);
            try (BoltFile bolt = BoltFile.open(image.write(dir.resolve("newer-" + newer), new byte[0]))) {
                assertThat(bolt.meta().txid()).isEqualTo(8);
                assertThat(bolt.bucket("new")).isPresent();
                assertThat(bolt.bucket("old")).isEmpty();
            }
        }
    }

    @Test
    void aMetaWithABadChecksumFallsBackToTheOther() throws IOException {
        BoltImage image = new BoltImage(PAGE);
        long older = rootWithBucket(image, "old");
        long latest = rootWithBucket(image, "new");
        image.meta(0, older, 7).meta(1, latest, 8).corrupt(PAGE + BoltMeta.OFFSET + BoltMeta.CHECKSUMMED);
        try (BoltFile bolt = BoltFile.open(image.write(dir.resolve("db"), new byte[0]))) {
            assertThat(bolt.meta().txid()).isEqualTo(7);
            assertThat(bolt.bucket("old")).isPresent();
        }
    }

    @Test
    void whenPageZeroIsDamagedThePageSizeIsFoundFromPageOne() throws IOException {
        BoltImage image = new BoltImage(16384);
        long older = rootWithBucket(image, "old");
        long latest = rootWithBucket(image, "new");
        image.meta(0, latest, 8).meta(1, older, 7).corrupt(BoltMeta.OFFSET + 20);
        try (BoltFile bolt = BoltFile.open(image.write(dir.resolve("db"), new byte[0]))) {
            assertThat(bolt.meta().pageSize()).isEqualTo(16384);
            assertThat(bolt.meta().txid()).isEqualTo(7);
            assertThat(bolt.bucket("old")).isPresent();
        }
    }

    @Test
    void aFileWithNeitherMetaValidIsRefusedNamingIt() throws IOException {
        BoltImage image = new BoltImage(PAGE);
        long root = rootWithBucket(image, "key");
        image.meta(0, root, 7).meta(1, root, 8).corrupt(BoltMeta.OFFSET).corrupt(PAGE + BoltMeta.OFFSET + 4);
        Path file = image.write(dir.resolve("db"), new byte[0]);
        assertThatThrownBy(() -> BoltFile.open(file)).isInstanceOfSatisfying(InvalidBackendFileException.class, e -> {
            assertThat(e.file()).isEqualTo(file);
            assertThat(e.reason()).startsWith("neither meta page is valid: page 0's magic is");
            assertThat(e.getMessage()).contains(file.toString());
        });
    }

    @Test
    void aFileThatIsNotBboltIsRefusedNamingIt() throws IOException {
        Path text = Files.writeString(dir.resolve("notes.txt"), "not a database\n".repeat(2000));
        Path empty = Files.write(dir.resolve("empty"), new byte[0]);
        assertThatThrownBy(() -> BoltFile.open(text)).isInstanceOfSatisfying(InvalidBackendFileException.class,
                e -> assertThat(e.file()).isEqualTo(text));
        assertThatThrownBy(() -> BoltFile.open(empty)).isInstanceOfSatisfying(InvalidBackendFileException.class, e -> {
            assertThat(e.file()).isEqualTo(empty);
            assertThat(e.reason()).contains("too short");
        });
    }

    @Test
    void entriesComeInKeyOrderAcrossBranchAndOverflowPages() throws IOException {
        BoltImage image = new BoltImage(PAGE);
        byte[] big = new byte[3 * PAGE + 100];
        Arrays.fill(big, (byte) 7);
        big[big.length - 1] = 9;
        long first = image.leaf(List.of(Element.of(key(1), value(1)), Element.of(key(2), value(2))));
        long overflowing = image.leaf(List.of(Element.of(key(3), big), Element.of(key(4), value(4))));
        long last = image.leaf(List.of(Element.of(key(5), value(5))));
        long lower = image.branch(List.of(new Child(key(1), first), new Child(key(3), overflowing)));
        long top = image.branch(List.of(new Child(key(1), lower), new Child(key(5), last)));
        long root = image.leaf(List.of(Element.bucket("b", BoltImage.bucketAt(top))));
        image.meta(0, root, 1).meta(1, root, 1);
        try (BoltFile bolt = BoltFile.open(image.write(dir.resolve("db"), new byte[0]))) {
            BoltFile.Bucket bucket = bolt.bucket("b").orElseThrow();
            List<String> seen = new ArrayList<>();
            bolt.forEach(bucket, entry -> {
                byte[] value = bytes(entry.value());
                seen.add(new String(entry.key(), StandardCharsets.UTF_8) + "=" + value.length);
                assertThat(value).isEqualTo(entry.key()[3] == '3' ? big : value(entry.key()[3] - '0'));
                assertThat(bytes(bolt.read(entry.valueOffset(), entry.valueLength()))).isEqualTo(value);
            });
            assertThat(seen).containsExactly("key1=6", "key2=6", "key3=" + big.length, "key4=6", "key5=6");
            assertThat(bolt.page(bolt.page(top).child(0)).isBranch()).isTrue();
            assertThat(bolt.page(overflowing).bytes(0, 16).getInt(12)).as("overflow pages").isEqualTo(3);
        }
    }

    @Test
    void getFindsEveryKeyThroughBranchPagesAndNothingElse() throws IOException {
        BoltImage image = new BoltImage(PAGE);
        long left = image.leaf(List.of(Element.of(key(2), value(2)), Element.of(key(4), value(4))));
        long right = image.leaf(List.of(Element.of(key(6), value(6)), Element.of(key(8), value(8))));
        long top = image.branch(List.of(new Child(key(2), left), new Child(key(6), right)));
        long root = image.leaf(List.of(Element.bucket("b", BoltImage.bucketAt(top)),
                Element.bucket("c", BoltImage.inlineBucket(List.of(Element.of(key(1), value(1)))))));
        image.meta(0, root, 1).meta(1, root, 1);
        try (BoltFile bolt = BoltFile.open(image.write(dir.resolve("db"), new byte[0]))) {
            BoltFile.Bucket bucket = bolt.bucket("b").orElseThrow();
            for (int i = 1; i <= 9; i++) {
                var found = bolt.get(bucket, key(i));
                if (i % 2 == 0) {
                    assertThat(bytes(found.orElseThrow().value())).as("key %d", i).isEqualTo(value(i));
                } else {
                    assertThat(found).as("key %d", i).isEmpty();
                }
            }
            BoltFile.Bucket inline = bolt.bucket("c").orElseThrow();
            assertThat(inline.isInline()).isTrue();
            assertThat(bytes(bolt.get(inline, key(1)).orElseThrow().value())).isEqualTo(value(1));
        }
    }

    @Test
    void aPageThatSaysItIsAnotherPageIsRefused() throws IOException {
        BoltImage image = new BoltImage(PAGE);
        byte[] big = new byte[2 * PAGE];
        long overflowing = image.leaf(List.of(Element.of(key(1), big)));
        // The child is the overflow page after the leaf: its bytes are value, not a page header.
        long top = image.branch(List.of(new Child(key(1), overflowing), new Child(key(2), overflowing + 1)));
        long root = image.leaf(List.of(Element.bucket("b", BoltImage.bucketAt(top))));
        image.meta(0, root, 1).meta(1, root, 1);
        Path file = image.write(dir.resolve("db"), new byte[0]);
        try (BoltFile bolt = BoltFile.open(file)) {
            BoltFile.Bucket bucket = bolt.bucket("b").orElseThrow();
            assertThatThrownBy(() -> bolt.forEach(bucket, entry -> { }))
                    .isInstanceOfSatisfying(InvalidBackendFileException.class, e -> {
                        assertThat(e.file()).isEqualTo(file);
                        assertThat(e.reason()).isEqualTo("page " + (overflowing + 1) + " says it is page 0");
                    });
        }
    }

    @Test
    void aPageBeyondThoseInUseIsRefused() throws IOException {
        BoltImage image = new BoltImage(PAGE);
        long root = image.leaf(List.of(Element.bucket("b", BoltImage.bucketAt(99))));
        image.meta(0, root, 1).meta(1, root, 1);
        try (BoltFile bolt = BoltFile.open(image.write(dir.resolve("db"), new byte[0]))) {
            BoltFile.Bucket bucket = bolt.bucket("b").orElseThrow();
            assertThatThrownBy(() -> bolt.forEach(bucket, entry -> { }))
                    .isInstanceOfSatisfying(InvalidBackendFileException.class,
                            e -> assertThat(e.reason()).isEqualTo("page 99 is referenced, but the pages in use are 2 to 2"));
        }
    }

    @Test
    void branchPagesThatFormACycleAreRefused() throws IOException {
        BoltImage image = new BoltImage(PAGE);
        long self = image.nextPage();
        image.branch(List.of(new Child(key(1), self)));
        long root = image.leaf(List.of(Element.bucket("b", BoltImage.bucketAt(self))));
        image.meta(0, root, 1).meta(1, root, 1);
        try (BoltFile bolt = BoltFile.open(image.write(dir.resolve("db"), new byte[0]))) {
            BoltFile.Bucket bucket = bolt.bucket("b").orElseThrow();
            assertThatThrownBy(() -> bolt.forEach(bucket, entry -> { }))
                    .isInstanceOfSatisfying(InvalidBackendFileException.class,
                            e -> assertThat(e.reason()).contains("the pages form a cycle"));
            assertThatThrownBy(() -> bolt.get(bucket, key(1)))
                    .isInstanceOfSatisfying(InvalidBackendFileException.class,
                            e -> assertThat(e.reason()).contains("the pages form a cycle"));
        }
    }

    @Test
    void aTruncatedFileIsRefusedWhereItEnds() throws IOException {
        BoltImage image = new BoltImage(PAGE);
        long root = image.leaf(List.of(Element.bucket("b", BoltImage.bucketAt(image.nextPage() + 1))));
        long leaf = image.leaf(List.of(Element.of(key(1), new byte[2 * PAGE])));
        image.meta(0, root, 1).meta(1, root, 1);
        Path file = image.write(dir.resolve("db"), new byte[0]);
        byte[] whole = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(whole, (int) (leaf + 1) * PAGE + 10));
        try (BoltFile bolt = BoltFile.open(file)) {
            BoltFile.Bucket bucket = bolt.bucket("b").orElseThrow();
            assertThatThrownBy(() -> bolt.forEach(bucket, entry -> entry.value()))
                    .isInstanceOfSatisfying(InvalidBackendFileException.class,
                            e -> assertThat(e.reason()).contains("the file ends at " + ((leaf + 1) * PAGE + 10)));
        }
    }

    /** A root page (and its own bucket page) whose only bucket is {@code name}. */
    private static long rootWithBucket(BoltImage image, String name) {
        long bucketRoot = image.leaf(List.of(Element.of(key(1), value(1))));
        return image.leaf(List.of(Element.bucket(name, BoltImage.bucketAt(bucketRoot))));
    }

    private static byte[] key(int i) {
        return ("key" + i).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] value(int i) {
        return ("value" + i).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }
}
