package io.etcdbackup.restore.bolt;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A branch or leaf page of a bbolt file, or the inline page inside a small bucket's value. Only
 * its first bytes (header and element table) are held; keys and values beyond them are read from
 * the file when asked for, so a page spanning many overflow pages costs no more memory than one.
 */
final class BoltPage {

    static final int HEADER_SIZE = 16;
    static final int ELEMENT_SIZE = 16;
    static final int BRANCH = 0x01;
    static final int LEAF = 0x02;
    static final int META = 0x04;
    static final int FREELIST = 0x10;
    /** Leaf element flag: the value is a bucket header. */
    static final int BUCKET_ENTRY = 0x01;

    private final BoltFile file;
    private final String name;
    private final long start;
    private final long span;
    private final ByteBuffer head;

    /**
     * @param file  the file it was read from
     * @param name  how errors name it, e.g. "page 12"
     * @param start file offset of its header
     * @param span  its length in bytes, overflow pages included
     * @param head  its first bytes, at least the header and the element table
     */
    BoltPage(BoltFile file, String name, long start, long span, ByteBuffer head) throws IOException {
        this.file = file;
        this.name = name;
        this.start = start;
        this.span = span;
        this.head = head.order(ByteOrder.LITTLE_ENDIAN);
        if (head.limit() < HEADER_SIZE) {
            throw file.invalid(name + " is shorter than a page header");
        }
        if (!isBranch() && !isLeaf()) {
            throw file.invalid(name + " is " + type(flags()) + " where a branch or leaf page belongs");
        }
        if (elementsEnd(count()) > head.limit()) {
            throw file.invalid(name + " is too short for its " + count() + " elements");
        }
    }

    /** Where the element table of a page with {@code count} elements ends. */
    static long elementsEnd(int count) {
        return HEADER_SIZE + (long) count * ELEMENT_SIZE;
    }

    /** How errors name a page type. */
    static String type(int flags) {
        return switch (flags) {
            case BRANCH -> "a branch page";
            case LEAF -> "a leaf page";
            case META -> "a meta page";
            case FREELIST -> "a freelist page";
            default -> String.format("a page of unknown type 0x%02x", flags);
        };
    }

    long id() {
        return head.getLong(0);
    }

    int flags() {
        return Short.toUnsignedInt(head.getShort(8));
    }

    int count() {
        return Short.toUnsignedInt(head.getShort(10));
    }

    boolean isBranch() {
        return flags() == BRANCH;
    }

    boolean isLeaf() {
        return flags() == LEAF;
    }

    String name() {
        return name;
    }

    /** The page a branch element points to. */
    long child(int index) {
        return head.getLong(element(index) + 8);
    }

    /** The key of element {@code index}, of a branch or a leaf page. */
    byte[] key(int index) throws IOException {
        int element = element(index);
        long pos = Integer.toUnsignedLong(head.getInt(element + (isBranch() ? 0 : 4)));
        int size = head.getInt(element + (isBranch() ? 4 : 8));
        ByteBuffer bytes = bytes(element + pos, size);
        byte[] key = new byte[size];
        bytes.get(key);
        return key;
    }

    /** Leaf element {@code index}: its key, and where its value lies. */
    Entry entry(int index) throws IOException {
        int element = element(index);
        long pos = Integer.toUnsignedLong(head.getInt(element + 4));
        int keySize = head.getInt(element + 8);
        int valueSize = head.getInt(element + 12);
        if (keySize < 0 || valueSize < 0) {
            throw file.invalid(name + " element " + index + " has a negative key or value size");
        }
        return new Entry(this, key(index), head.getInt(element), element + pos + keySize, valueSize);
    }

    /** {@code length} bytes at {@code pos} within this page, little-endian, from memory or the file. */
    ByteBuffer bytes(long pos, int length) throws IOException {
        if (pos < 0 || length < 0 || pos + length > span) {
            throw file.invalid(name + " points at bytes " + pos + ".." + (pos + length) + " outside its " + span + " bytes");
        }
        if (pos + length <= head.limit()) {
            return head.slice((int) pos, length).order(ByteOrder.LITTLE_ENDIAN);
        }
        return file.read(start + pos, length);
    }

    private int element(int index) {
        if (index < 0 || index >= count()) {
            throw new IndexOutOfBoundsException(name + " has " + count() + " elements, not " + index);
        }
        return HEADER_SIZE + index * ELEMENT_SIZE;
    }

    /**
     * A key and value of a leaf page. The value is read only when asked for.
     *
     * @param page          the page holding it
     * @param key           its key
     * @param flags         {@link #BUCKET_ENTRY} when the value is a bucket
     * @param valuePosition where its value starts within the page
     * @param valueLength   the length of its value
     */
    record Entry(BoltPage page, byte[] key, int flags, long valuePosition, int valueLength) {

        boolean isBucket() {
            return (flags & BUCKET_ENTRY) != 0;
        }

        /** The file offset of the value's first byte. */
        long valueOffset() {
            return page.start + valuePosition;
        }

        /** {@code length} bytes of the value from {@code from}. */
        ByteBuffer value(int from, int length) throws IOException {
            if (from < 0 || length < 0 || (long) from + length > valueLength) {
                throw page.file.invalid(page.name + " has a value of " + valueLength + " bytes, not " + from + "+" + length);
            }
            return page.bytes(valuePosition + from, length);
        }

        /** The whole value. */
        ByteBuffer value() throws IOException {
            return value(0, valueLength);
        }
    }
}
