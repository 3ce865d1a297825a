package io.etcdbackup.restore.bolt;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A bbolt file built byte by byte, for the tests: pages laid out as bbolt lays them (page.go), so
 * each test can make exactly the tree, or the damage, it is about.
 */
final class BoltImage {

    /** A key and value of a leaf page; {@code bucket} marks the value as a bucket header. */
    record Element(byte[] key, byte[] value, boolean bucket) {
        static Element of(byte[] key, byte[] value) {
            return new Element(key, value, false);
        }

        static Element bucket(String name, byte[] header) {
            return new Element(name.getBytes(StandardCharsets.UTF_8), header, true);
        }
    }

    /** A branch element: the first key under a child page. */
    record Child(byte[] firstKey, long page) {
    }

    private final int pageSize;
    private final List<byte[]> pages = new ArrayList<>();

    BoltImage(int pageSize) {
        this.pageSize = pageSize;
        pages.add(new byte[pageSize]);
        pages.add(new byte[pageSize]);
    }

    /** Adds a leaf page (with overflow pages as needed) and returns its id. */
    long leaf(List<Element> elements) {
        return add(page(BoltPage.LEAF, elements.size(), leafBody(elements)));
    }

    /** Adds a branch page and returns its id. */
    long branch(List<Child> children) {
        int tableEnd = BoltPage.HEADER_SIZE + children.size() * BoltPage.ELEMENT_SIZE;
        ByteBuffer body = le(tableEnd + children.stream().mapToInt(c -> c.firstKey().length).sum());
        int keyAt = tableEnd;
        for (int i = 0; i < children.size(); i++) {
            int element = BoltPage.HEADER_SIZE + i * BoltPage.ELEMENT_SIZE;
            Child child = children.get(i);
            body.putInt(element, keyAt - element).putInt(element + 4, child.firstKey().length).putLong(element + 8, child.page());
            body.put(keyAt, child.firstKey());
            keyAt += child.firstKey().length;
        }
        return add(page(BoltPage.BRANCH, children.size(), body.array()));
    }

    /** The value of a bucket whose tree starts at {@code rootPage}. */
    static byte[] bucketAt(long rootPage) {
        return le(16).putLong(0, rootPage).array();
    }

    /** The value of a small bucket stored inline: a header with root 0, then its leaf page. */
    static byte[] inlineBucket(List<Element> elements) {
        byte[] body = leafBody(elements);
        ByteBuffer value = le(16 + body.length).put(16, body);
        value.putShort(16 + 8, (short) BoltPage.LEAF).putShort(16 + 10, (short) elements.size());
        return value.array();
    }

    /** Writes meta page {@code index} (0 or 1) with a valid checksum. */
    BoltImage meta(int index, long rootPage, long txid) {
        ByteBuffer page = ByteBuffer.wrap(pages.get(index)).order(ByteOrder.LITTLE_ENDIAN);
        page.putLong(0, index).putShort(8, (short) BoltPage.META);
        ByteBuffer meta = page.slice(BoltMeta.OFFSET, BoltMeta.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        meta.putInt(0, BoltMeta.MAGIC).putInt(4, BoltMeta.VERSION).putInt(8, pageSize)
                .putLong(16, rootPage).putLong(32, -1L).putLong(40, pages.size()).putLong(48, txid);
        meta.putLong(BoltMeta.CHECKSUMMED, BoltMeta.fnv1a64(meta, BoltMeta.CHECKSUMMED));
        return this;
    }

    /** Flips one byte of the file as it stands, e.g. inside a meta's checksum. */
    BoltImage corrupt(long offset) {
        byte[] page = pages.get((int) (offset / pageSize));
        page[(int) (offset % pageSize)] ^= 0x5a;
        return this;
    }

    /** The id the next page added gets. */
    long nextPage() {
        return pages.size();
    }

    Path write(Path file, byte[] trailer) throws IOException {
        ByteBuffer all = ByteBuffer.allocate(pages.size() * pageSize + trailer.length);
        pages.forEach(all::put);
        Files.write(file, all.put(trailer).array());
        return file;
    }

    private static byte[] leafBody(List<Element> elements) {
        int tableEnd = BoltPage.HEADER_SIZE + elements.size() * BoltPage.ELEMENT_SIZE;
        ByteBuffer body = le(tableEnd + elements.stream().mapToInt(e -> e.key().length + e.value().length).sum());
        int at = tableEnd;
        for (int i = 0; i < elements.size(); i++) {
            int element = BoltPage.HEADER_SIZE + i * BoltPage.ELEMENT_SIZE;
            Element e = elements.get(i);
            body.putInt(element, e.bucket() ? BoltPage.BUCKET_ENTRY : 0).putInt(element + 4, at - element)
                    .putInt(element + 8, e.key().length).putInt(element + 12, e.value().length);
            body.put(at, e.key()).put(at + e.key().length, e.value());
            at += e.key().length + e.value().length;
        }
        return body.array();
    }

    /** A page of {@code body} (header bytes included but blank), split into overflow pages as needed. */
    private byte[] page(int flags, int count, byte[] body) {
        int span = Math.max(1, (body.length + pageSize - 1) / pageSize);
        ByteBuffer page = le(span * pageSize).put(0, body);
        page.putLong(0, pages.size()).putShort(8, (short) flags).putShort(10, (short) count).putInt(12, span - 1);
        return page.array();
    }

    private long add(byte[] page) {
        long id = pages.size();
        for (int at = 0; at < page.length; at += pageSize) {
            byte[] one = new byte[pageSize];
            System.arraycopy(page, at, one, 0, pageSize);
            pages.add(one);
        }
        return id;
    }

    private static ByteBuffer le(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }
}
