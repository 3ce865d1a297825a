package io.etcdbackup.restore.init;

/**
 * CRC-32C (Castagnoli) that continues from any previous value, as etcd's WAL chains it from
 * record to record and file to file ({@link java.util.zip.CRC32C} cannot start from a value).
 */
final class Crc32c {

    private static final int[] TABLE = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            int c = i;
            for (int bit = 0; bit < 8; bit++) {
                c = (c & 1) != 0 ? (c >>> 1) ^ 0x82F63B78 : c >>> 1;
            }
            TABLE[i] = c;
        }
    }

    private Crc32c() {
    }

    /** The CRC of {@code previous}'s input followed by {@code bytes[offset, offset+length)}; 0 starts afresh. */
    static int update(int previous, byte[] bytes, int offset, int length) {
        int c = ~previous;
        for (int i = offset; i < offset + length; i++) {
            c = TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
        }
        return ~c;
    }
}
