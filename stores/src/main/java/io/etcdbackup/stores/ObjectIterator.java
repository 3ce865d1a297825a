package io.etcdbackup.stores;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * A lazy, sorted listing of objects ({@link ObjectStore#list(String)}). Pages are fetched from
 * the backend as iteration proceeds, so each call may perform I/O.
 */
public interface ObjectIterator {

    /** Whether another object follows. */
    boolean hasNext() throws IOException;

    /**
     * The next object in UTF-8 byte order of keys.
     *
     * @throws NoSuchElementException if {@link #hasNext()} is false
     */
    ObjectInfo next() throws IOException;

    /** Drains the remaining listing into a list. */
    default List<ObjectInfo> toList() throws IOException {
        List<ObjectInfo> all = new ArrayList<>();
        while (hasNext()) {
            all.add(next());
        }
        return all;
    }

    /** An iterator over an already sorted in-memory list. */
    static ObjectIterator of(List<ObjectInfo> sorted) {
        return new ObjectIterator() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < sorted.size();
            }

            @Override
            public ObjectInfo next() {
                if (next >= sorted.size()) {
                    throw new NoSuchElementException();
                }
                return sorted.get(next++);
            }
        };
    }
}
