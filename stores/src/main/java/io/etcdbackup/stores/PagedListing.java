package io.etcdbackup.stores;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;

/**
 * The one paging {@link ObjectIterator}: a backend supplies pages, this hands their objects out
 * one at a time, fetching the next page only when the current one is used up (so empty pages in
 * the middle of a listing are skipped, and nothing is fetched before the first call).
 */
public final class PagedListing implements ObjectIterator {

    /** A backend's listing, one page per call. */
    @FunctionalInterface
    public interface PageSource {
        /**
         * The next page, in listing order and possibly empty, or empty once there are no more.
         *
         * @throws IOException the backend's failure, already mapped to the SPI's exceptions
         */
        Optional<List<ObjectInfo>> nextPage() throws IOException;
    }

    /** A backend that lists by continuation token or marker. */
    @FunctionalInterface
    public interface TokenPages {
        /**
         * The page after {@code token} ({@code null}: the first page).
         *
         * @throws IOException the backend's failure, already mapped to the SPI's exceptions
         */
        Page fetch(String token) throws IOException;
    }

    /**
     * One page of a token listing.
     *
     * @param objects   its objects, in listing order
     * @param nextToken the token of the next page; {@code null} or empty when this is the last
     */
    public record Page(List<ObjectInfo> objects, String nextToken) {
    }

    private final PageSource source;
    private final Deque<ObjectInfo> page = new ArrayDeque<>();
    private boolean exhausted;

    private PagedListing(PageSource source) {
        this.source = source;
    }

    /** A listing over pages that a backend supplies itself. */
    public static PagedListing of(PageSource source) {
        return new PagedListing(source);
    }

    /** A listing over token (marker) pages: it passes each page's next token to the next fetch. */
    public static PagedListing byToken(TokenPages pages) {
        return new PagedListing(new PageSource() {
            private String token;
            private boolean last;

            @Override
            public Optional<List<ObjectInfo>> nextPage() throws IOException {
                if (last) {
                    return Optional.empty();
                }
                Page next = pages.fetch(token);
                token = next.nextToken();
                last = token == null || token.isEmpty();
                return Optional.of(next.objects());
            }
        });
    }

    @Override
    public boolean hasNext() throws IOException {
        while (page.isEmpty() && !exhausted) {
            Optional<List<ObjectInfo>> next = source.nextPage();
            if (next.isEmpty()) {
                exhausted = true;
            } else {
                page.addAll(next.get());
            }
        }
        return !page.isEmpty();
    }

    @Override
    public ObjectInfo next() throws IOException {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return page.removeFirst();
    }
}
