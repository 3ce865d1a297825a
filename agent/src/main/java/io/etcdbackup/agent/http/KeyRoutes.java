package io.etcdbackup.agent.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import io.etcdbackup.agent.keys.KeyRecovery;
import io.etcdbackup.agent.keys.KeyValueJson;
import io.etcdbackup.restore.RestorePoint;
import io.etcdbackup.restore.keys.HistoryRange;
import io.etcdbackup.restore.keys.KeyChange;
import io.etcdbackup.restore.keys.KeyHistory;
import io.etcdbackup.restore.keys.KeyPrefix;
import io.etcdbackup.snapshot.catalog.Catalog;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Key-level recovery, read-only: {@code GET /v1/keys} (the keys under a prefix at a revision or
 * time) and {@code GET /v1/history} (the changes under a prefix), both paged. Reading keys is
 * reading secrets: both need the bearer token ({@link Access#secretRead}).
 *
 * <p>A {@code /v1/keys} answer with more keys to come keeps its view open ({@link OpenKeyView}),
 * and its {@code next} cursor names it: every page then reads the same state, and the full
 * snapshot is downloaded once per listing, not once per page.
 */
final class KeyRoutes implements AutoCloseable {

    /** Page size when none is asked for, and the largest allowed. */
    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;
    /**
     * The most keys a listing holds (about 200 bytes each plus the key): the sidecar's memory is
     * bounded; the {@code keys} command has no such limit.
     */
    static final long MAX_LISTING_KEYS = 500_000;

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final KeyRecovery recovery;
    private final OpenKeyView open;

    KeyRoutes(Catalog catalog, Path scratch) {
        this.recovery = new KeyRecovery(catalog.store(), catalog.encryption());
        this.open = new OpenKeyView(scratch);
    }

    void register(RoutesConfig r, Access access) {
        r.get("/v1/keys", access.secretRead(this::keys));
        r.get("/v1/history", access.secretRead(this::history));
    }

    private void keys(Context ctx) throws Exception {
        KeyPrefix prefix = prefix(ctx);
        int limit = limit(ctx);
        Optional<String> after = Optional.ofNullable(ctx.queryParam("after"));
        RestorePoint point = V1Routes.restorePoint(ctx);
        String listing = "prefix \"" + prefix + "\" at " + point;
        ObjectNode body = open.page(after, listing, () -> recovery.keys(point, prefix, open.scratch(), MAX_LISTING_KEYS), (view, from) -> {
            ArrayNode kvs = JSON.arrayNode();
            ByteString[] last = {null};
            boolean[] more = {false};
            view.forEachAfter(from, kv -> {
                if (kvs.size() == limit) {
                    more[0] = true;
                    return false;
                }
                kvs.add(KeyValueJson.keyValue(kv, true));
                last[0] = kv.getKey();
                return true;
            });
            ObjectNode page = JSON.objectNode();
            page.put("revision", view.revision());
            page.put("generation", view.generation());
            page.put("prefix", prefix.toString());
            page.put("count", view.size());
            page.set("kvs", kvs);
            return new OpenKeyView.Page(page, more[0] ? Optional.of(last[0]) : Optional.empty());
        });
        Responses.json(ctx, 200, body);
    }

    private void history(Context ctx) throws Exception {
        KeyPrefix prefix = prefix(ctx);
        int limit = limit(ctx);
        boolean values = Boolean.parseBoolean(Optional.ofNullable(ctx.queryParam("values")).orElse("false"));
        Optional<long[]> after = Optional.ofNullable(ctx.queryParam("after")).map(KeyRoutes::historyCursor);
        OptionalLong from = after.map(a -> OptionalLong.of(a[0])).orElse(revision(ctx, "from"));
        HistoryRange range = new HistoryRange(from, after.isPresent() ? Optional.empty() : time(ctx, "from_time"),
                revision(ctx, "to"), time(ctx, "to_time"));
        List<KeyChange> page = new ArrayList<>();
        KeyHistory.Span span = recovery.history(range, prefix, change -> {
            if (after.isPresent() && change.revision() == after.get()[0] && change.index() <= after.get()[1]) {
                return true; // returned by the previous page
            }
            page.add(change);
            return page.size() <= limit;
        });
        ArrayNode changes = JSON.arrayNode();
        page.stream().limit(limit).forEach(change -> changes.add(KeyValueJson.change(change, values)));
        ObjectNode body = JSON.objectNode();
        body.put("generation", span.generation());
        body.put("prefix", prefix.toString());
        body.put("from", span.fromRevision());
        body.put("to", span.toRevision());
        body.set("changes", changes);
        if (page.size() > limit) {
            KeyChange last = page.get(limit - 1);
            body.put("next", last.revision() + ":" + last.index());
        }
        Responses.json(ctx, 200, body);
    }

    @Override
    public void close() {
        open.close();
    }

    private static KeyPrefix prefix(Context ctx) {
        String prefix = ctx.queryParam("prefix");
        if (prefix == null) {
            throw new IllegalArgumentException("prefix is required (the empty string selects every key)");
        }
        return KeyPrefix.of(prefix);
    }

    private static int limit(Context ctx) {
        String text = ctx.queryParam("limit");
        if (text == null) {
            return DEFAULT_LIMIT;
        }
        try {
            int limit = Integer.parseInt(text);
            if (limit >= 1 && limit <= MAX_LIMIT) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new IllegalArgumentException("limit must be 1.." + MAX_LIMIT + ", got '" + text + "'");
    }

    private static OptionalLong revision(Context ctx, String name) {
        String text = ctx.queryParam(name);
        return text == null ? OptionalLong.empty() : OptionalLong.of(RestorePoint.parseRevision(text));
    }

    private static Optional<Instant> time(Context ctx, String name) {
        return Optional.ofNullable(ctx.queryParam(name)).map(RestorePoint::parseTime);
    }

    /** {@code REVISION:INDEX}, the {@code next} of a history page. */
    private static long[] historyCursor(String cursor) {
        String[] parts = cursor.split(":");
        try {
            if (parts.length == 2) {
                return new long[] {Long.parseLong(parts[0]), Long.parseLong(parts[1])};
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new IllegalArgumentException("after must be the 'next' of a previous page (REVISION:INDEX), got '" + cursor + "'");
    }

    static String encodeKey(ByteString key) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(key.toByteArray());
    }
}
