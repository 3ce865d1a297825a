package io.etcdbackup.snapshot.capture;

import org.junit.jupiter.api.Test;

import java.security.MessageDigest;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class EtcdSnapshotHashTest {

    private static byte[] withTrailingHash(byte[] content) throws Exception {
        byte[] hash = MessageDigest.getInstance("SHA-256").digest(content);
        byte[] all = new byte[content.length + hash.length];
        System.arraycopy(content, 0, all, 0, content.length);
        System.arraycopy(hash, 0, all, content.length, hash.length);
        return all;
    }

    private static boolean check(byte[] stream, Random chunking) {
        EtcdSnapshotHash hash = new EtcdSnapshotHash();
        int at = 0;
        while (at < stream.length) {
            int n = Math.min(stream.length - at, chunking.nextInt(70));
            hash.update(stream, at, n);
            at += n;
        }
        return hash.matches();
    }

    @Test
    void acceptsAStreamEndingWithTheHashOfItsContentWhateverTheChunking() throws Exception {
        Random random = new Random(3);
        for (int size : new int[] {0, 1, 31, 32, 33, 1000, 65_536}) {
            byte[] content = new byte[size];
            random.nextBytes(content);
            assertThat(check(withTrailingHash(content), random)).as("size %d", size).isTrue();
        }
    }

    @Test
    void rejectsAnyFlippedByteAndAStreamShorterThanAHash() throws Exception {
        Random random = new Random(4);
        byte[] content = new byte[500];
        random.nextBytes(content);
        byte[] stream = withTrailingHash(content);
        for (int i = 0; i < stream.length; i++) {
            byte[] bad = stream.clone();
            bad[i] ^= 0x40;
            assertThat(check(bad, random)).as("flip at %d", i).isFalse();
        }
        assertThat(check(new byte[31], random)).isFalse();
    }
}
