package io.etcdbackup.agent.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import io.etcdbackup.restore.keys.KeysReader;
import io.etcdbackup.restore.keys.PrefixView;
import io.javalin.http.GoneResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The one key listing {@code /v1/keys} keeps open between its pages: its view (and the full
 * snapshot in the scratch directory) stays until the last page is served, a new listing starts,
 * or it has been idle for {@link #IDLE}. So the scratch space holds one database for this API at
 * most, and a listing's pages all read the same state. A cursor of a listing no longer open is
 * answered 410: start the listing again.
 *
 * <p>Listings are opened one at a time, outside the lock that serves pages and closes (so a stop
 * never waits for a download). At start, scratch directories left by an earlier process
 * ({@code keys-*}) are removed.
 */
final class OpenKeyView implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OpenKeyView.class);

    /** How long an unfinished listing stays open without a request. */
    static final Duration IDLE = Duration.ofMinutes(2);

    /** One page's body, and the last key on it when more keys follow. */
    record Page(ObjectNode body, Optional<ByteString> lastKeyIfMore) {
    }

    /** Opens the listing's view (the first page). */
    @FunctionalInterface
    interface Opener {
        PrefixView open() throws IOException;
    }

    /** Builds a page from the keys after {@code after} ({@code null}: from the first). */
    @FunctionalInterface
    interface Pager {
        Page page(PrefixView view, ByteString after) throws IOException;
    }

    private final Path scratch;
    private final ScheduledExecutorService reaper;
    /** Held while a listing is opened (downloaded and scanned), so that one is opened at a time. */
    private final Object opening = new Object();
    private String id;
    private String listing;
    private PrefixView view;
    private boolean closed;
    private long lastUsedNanos;

    /** @param scratch where listings download their full snapshot */
    OpenKeyView(Path scratch) {
        this.scratch = scratch;
        sweep(scratch);
        this.reaper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "keys-view-reaper");
            t.setDaemon(true);
            return t;
        });
        reaper.scheduleWithFixedDelay(this::closeIfIdle, 30, 30, TimeUnit.SECONDS);
    }

    Path scratch() {
        return scratch;
    }

    /**
     * A page: of a new listing opened by {@code opener} when {@code after} is empty, else of the
     * open listing after the cursor's key. The body gets {@code next} when more keys follow.
     *
     * @param listing what the request asks for (prefix and point): a cursor is answered only for
     *                the listing it came from
     * @throws GoneResponse             when the cursor's listing is no longer open
     * @throws IllegalArgumentException when the cursor is not one this API gave, or was given with
     *                                  another prefix or point
     */
    ObjectNode page(Optional<String> after, String listing, Opener opener, Pager pager) throws IOException {
        if (after.isPresent()) {
            int dot = after.get().indexOf('.');
            if (dot < 0) {
                throw new IllegalArgumentException("after must be the 'next' of a previous page, got '" + after.get() + "'");
            }
            ByteString from = decodeKey(after.get().substring(dot + 1));
            synchronized (this) {
                if (view == null || !after.get().substring(0, dot).equals(id)) {
                    throw new GoneResponse("that listing is no longer open (it ends after its last page, when another starts, or "
                            + "after " + IDLE.toMinutes() + " minutes without a request): start it again without 'after'");
                }
                if (!listing.equals(this.listing)) {
                    throw new IllegalArgumentException("that cursor belongs to the listing of " + this.listing
                            + ": give the same prefix and point with it");
                }
                return serve(from, pager);
            }
        }
        // The download and the scan run outside the lock, so that closing (SIGTERM) never waits for them;
        // one listing is opened at a time.
        PrefixView fresh;
        synchronized (opening) {
            fresh = opener.open();
        }
        synchronized (this) {
            if (closed) {
                closeQuietly(fresh);
                throw new IllegalStateException("the server is stopping");
            }
            closeView();
            view = fresh;
            id = UUID.randomUUID().toString().substring(0, 8);
            this.listing = listing;
            return serve(null, pager);
        }
    }

    /** A page of the open listing (the caller holds the lock). */
    private ObjectNode serve(ByteString from, Pager pager) throws IOException {
        lastUsedNanos = System.nanoTime();
        Page page = pager.page(view, from);
        if (page.lastKeyIfMore().isPresent()) {
            page.body().put("next", id + "." + KeyRoutes.encodeKey(page.lastKeyIfMore().get()));
        } else {
            closeView();
        }
        return page.body();
    }

    private synchronized void closeIfIdle() {
        if (view != null && System.nanoTime() - lastUsedNanos > IDLE.toNanos()) {
            LOG.info("key listing closed after being idle listing={} idle_s={}", id, IDLE.toSeconds());
            closeView();
        }
    }

    private void closeView() {
        if (view != null) {
            closeQuietly(view);
            view = null;
            id = null;
            listing = null;
        }
    }

    private void closeQuietly(PrefixView listingView) {
        try {
            listingView.close();
        } catch (IOException e) {
            LOG.warn("removing a key listing's scratch files failed scratch={}", scratch, e);
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        reaper.shutdownNow();
        closeView();
    }

    private static ByteString decodeKey(String cursor) {
        try {
            return ByteString.copyFrom(Base64.getUrlDecoder().decode(cursor));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("after must be the 'next' of a previous page, got '" + cursor + "'");
        }
    }

    /** Removes the scratch directories an earlier process left (killed while a listing was open). */
    private static void sweep(Path scratch) {
        try {
            for (Path left : KeysReader.removeLeftovers(scratch)) {
                LOG.info("removed a key listing's scratch directory left by an earlier process dir={}", left);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot remove key listings' scratch directories left by an earlier process scratch={}", scratch, e);
        }
    }
}
