package io.etcdbackup.restore.bolt;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Optional;

/**
 * A bbolt database file, read with positional reads: never mapped, never held whole, so its size
 * does not matter. Walking a bucket holds one page per level of its tree. Bytes after the last page
 * (etcd's snapshot adds a SHA-256 of the database) are never looked at.
 *
 * <p>Safe for use by several threads: the channel's positional reads share no position.
 */
final class BoltFile implements Closeable {

    /** bbolt finds page 1 by trying page sizes from 1 KiB to 16 MiB; so does this reader. */
    private static final int SMALLEST_PAGE = 1024;
    private static final int LARGEST_PAGE = 16 << 20;
    /** A branch has at least 2 children, so a tree of 64-bit page ids is never deeper: a cycle. */
    private static final int MAX_DEPTH = 64;

    private final Path path;
    private final FileChannel channel;
    private final BoltMeta meta;

    private BoltFile(Path path, FileChannel channel) throws IOException {
        this.path = path;
        this.channel = channel;
        this.meta = chooseMeta();
    }

    /**
     * Opens {@code path} and chooses its meta page: the valid one with the higher transaction id.
     *
     * @throws InvalidBackendFileException when neither meta page is valid
     */
    static BoltFile open(Path path) throws IOException {
        FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
        try {
            return new BoltFile(path, channel);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** The meta page in use. */
    BoltMeta meta() {
        return meta;
    }

    Path path() {
        return path;
    }

    /** The top-level bucket {@code name}, empty if there is none. */
    Optional<Bucket> bucket(String name) throws IOException {
        Optional<BoltPage.Entry> entry = find(page(meta.rootPage()), name.getBytes(StandardCharsets.UTF_8));
        if (entry.isEmpty()) {
            return Optional.empty();
        }
        if (!entry.get().isBucket()) {
            throw invalid("the root bucket's entry " + name + " is a value, not a bucket");
        }
        return Optional.of(bucketIn(entry.get()));
    }

    /** Every key and value of {@code bucket}, in key order (unsigned bytes). */
    void forEach(Bucket bucket, EntryVisitor visitor) throws IOException {
        if (bucket.isInline()) {
            visitLeaf(inlinePage(bucket), visitor);
        } else {
            walk(bucket.rootPage(), visitor, 0);
        }
    }

    /** The entry of {@code bucket} with exactly {@code key}, empty if there is none. */
    Optional<BoltPage.Entry> get(Bucket bucket, byte[] key) throws IOException {
        return find(bucket.isInline() ? inlinePage(bucket) : page(bucket.rootPage()), key);
    }

    /** Receives the entries of a bucket, one at a time. An entry holds its page: keep what is needed of it, not it. */
    @FunctionalInterface
    interface EntryVisitor {
        void visit(BoltPage.Entry entry) throws IOException;
    }

    /**
     * Where a bucket's tree starts: a page, or for a small bucket a page stored inline in its value.
     *
     * @param rootPage     the page id of its root, 0 when inline
     * @param inlineStart  for an inline bucket, the file offset of its page
     * @param inlineLength for an inline bucket, the length of its page
     */
    record Bucket(long rootPage, long inlineStart, int inlineLength) {
        boolean isInline() {
            return rootPage == 0;
        }
    }

    /** Page {@code id}, checked to be a branch or leaf page that says it is page {@code id}. */
    BoltPage page(long id) throws IOException {
        if (id < 2 || id >= meta.highWaterMark()) {
            throw invalid("page " + id + " is referenced, but the pages in use are 2 to " + (meta.highWaterMark() - 1));
        }
        int pageSize = meta.pageSize();
        long start = id * pageSize;
        ByteBuffer head = read(start, pageSize);
        if (head.getLong(0) != id) {
            throw invalid("page " + id + " says it is page " + head.getLong(0));
        }
        long overflow = Integer.toUnsignedLong(head.getInt(12));
        if (id + overflow >= meta.highWaterMark()) {
            throw invalid("page " + id + " spans " + overflow + " overflow pages, past the pages in use");
        }
        long span = (overflow + 1) * pageSize;
        long elementsEnd = BoltPage.elementsEnd(Short.toUnsignedInt(head.getShort(10)));
        if (elementsEnd > pageSize && elementsEnd <= span) {
            head = read(start, (int) elementsEnd);
        }
        return new BoltPage(this, "page " + id, start, span, head);
    }

    /**
     * {@code length} bytes at file offset {@code offset}, little-endian.
     *
     * @throws InvalidBackendFileException when the file ends before them
     */
    ByteBuffer read(long offset, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, offset + buffer.position()) < 0) {
                throw invalid("bytes " + offset + ".." + (offset + length) + " are needed but the file ends at " + channel.size());
            }
        }
        return buffer.flip();
    }

    /** The error for {@code reason}, naming this file. */
    InvalidBackendFileException invalid(String reason) {
        return new InvalidBackendFileException(path, reason);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    /** The entry with exactly {@code key} in the tree under {@code root}. */
    private Optional<BoltPage.Entry> find(BoltPage root, byte[] key) throws IOException {
        BoltPage page = root;
        for (int depth = 0; page.isBranch(); depth++) {
            if (depth > MAX_DEPTH) {
                throw invalid(page.name() + " lies deeper than any tree: the pages form a cycle");
            }
            if (page.count() == 0) {
                throw invalid(page.name() + " is a branch page without elements");
            }
            // The child whose first key is the last one not above the key sought.
            int child = 0;
            while (child + 1 < page.count() && Arrays.compareUnsigned(page.key(child + 1), key) <= 0) {
                child++;
            }
            page = page(page.child(child));
        }
        for (int i = 0; i < page.count(); i++) {
            int order = Arrays.compareUnsigned(page.key(i), key);
            if (order == 0) {
                return Optional.of(page.entry(i));
            }
            if (order > 0) {
                break;
            }
        }
        return Optional.empty();
    }

    private void walk(long id, EntryVisitor visitor, int depth) throws IOException {
        if (depth > MAX_DEPTH) {
            throw invalid("page " + id + " lies deeper than any tree: the pages form a cycle");
        }
        BoltPage page = page(id);
        if (page.isBranch()) {
            for (int i = 0; i < page.count(); i++) {
                walk(page.child(i), visitor, depth + 1);
            }
        } else {
            visitLeaf(page, visitor);
        }
    }

    private static void visitLeaf(BoltPage page, EntryVisitor visitor) throws IOException {
        for (int i = 0; i < page.count(); i++) {
            visitor.visit(page.entry(i));
        }
    }

    /** The bucket whose header is the value of {@code entry}. */
    private Bucket bucketIn(BoltPage.Entry entry) throws IOException {
        if (entry.valueLength() < 16) {
            throw invalid("bucket " + new String(entry.key(), StandardCharsets.UTF_8) + " has a header of " + entry.valueLength() + " bytes");
        }
        long root = entry.value(0, 8).getLong();
        return new Bucket(root, entry.valueOffset() + 16, entry.valueLength() - 16);
    }

    private BoltPage inlinePage(Bucket bucket) throws IOException {
        BoltPage page = new BoltPage(this, "the inline page at offset " + bucket.inlineStart(), bucket.inlineStart(),
                bucket.inlineLength(), read(bucket.inlineStart(), bucket.inlineLength()));
        if (!page.isLeaf()) {
            throw invalid(page.name() + " is " + BoltPage.type(page.flags()) + ", not a leaf page");
        }
        return page;
    }

    private BoltMeta chooseMeta() throws IOException {
        long size = channel.size();
        int metaEnd = BoltMeta.OFFSET + BoltMeta.SIZE;
        if (size < metaEnd) {
            throw invalid("it is " + size + " bytes long, too short for a bbolt meta page");
        }
        BoltMeta first = BoltMeta.decode(read(0, metaEnd));
        int pageSize = first.valid() ? first.pageSize() : pageSizeFromSecondMeta(size, first);
        if (pageSize < SMALLEST_PAGE || pageSize > LARGEST_PAGE) {
            throw invalid("its meta page gives a page size of " + pageSize + " bytes");
        }
        BoltMeta second = size >= pageSize + metaEnd ? BoltMeta.decode(read(pageSize, metaEnd)) : null;
        boolean secondUsable = second != null && second.valid() && second.pageSize() == pageSize;
        if (!first.valid() && !secondUsable) {
            throw invalid("neither meta page is valid: page 0's " + first.problem().orElseThrow());
        }
        if (!secondUsable) {
            return first;
        }
        return !first.valid() || second.txid() > first.txid() ? second : first;
    }

    /** When page 0 is damaged, page 1's offset (the page size) is found by trying each size bbolt allows. */
    private int pageSizeFromSecondMeta(long size, BoltMeta first) throws IOException {
        for (long candidate = SMALLEST_PAGE; candidate <= LARGEST_PAGE; candidate <<= 1) {
            if (candidate + BoltMeta.OFFSET + BoltMeta.SIZE > size) {
                break;
            }
            BoltMeta second = BoltMeta.decode(read(candidate, BoltMeta.OFFSET + BoltMeta.SIZE));
            if (second.valid() && second.pageSize() == candidate) {
                return (int) candidate;
            }
        }
        throw invalid("neither meta page is valid: page 0's " + first.problem().orElseThrow()
                + ", and no page 1 at any page size from " + SMALLEST_PAGE + " to " + LARGEST_PAGE + " bytes");
    }
}
