package io.etcdbackup.stores.conformance;

import io.etcdbackup.stores.ObjectKeys;

import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * What a backend under the conformance suite does differently, declared instead of overriding
 * test bodies. The suite's tests consult these: a contract the backend cannot show is skipped
 * (an assumption naming the reason), a known difference adjusts the expectation. A difference
 * that is an upstream bug is asserted as the bug, so the test fails once upstream fixes it.
 *
 * @param listingOrder               the order the backend lists keys in
 * @param backslashKeys              what happens to a key holding {@code '\'}
 * @param abortDeletesPublishedObject upstream bug: aborting an upload also deletes the object
 *                                   already published under its key (S3Mock 5.2.0)
 * @param uncheckable                contracts the backend cannot show, each with the reason
 */
public record StoreCapabilities(ListingOrder listingOrder, BackslashKeys backslashKeys, boolean abortDeletesPublishedObject,
                                Map<Contract, String> uncheckable) {

    /** Orders a backend lists keys in. */
    public enum ListingOrder {
        /** UTF-8 byte order, as the SPI requires. */
        UTF8_BYTES(ObjectKeys.UTF8_ORDER),
        /** Java / JavaScript string order (UTF-16 code units); differs from UTF-8 only above U+FFFF against U+E000..U+FFFF. */
        UTF16_CODE_UNITS(Comparator.naturalOrder()),
        /** No order at all (an in-memory fake); listings are compared as sets. */
        UNORDERED(ObjectKeys.UTF8_ORDER);

        private final Comparator<String> comparator;

        ListingOrder(Comparator<String> comparator) {
            this.comparator = comparator;
        }

        /** The order keys are expected in (for {@link #UNORDERED}: any; this sorts for messages only). */
        public Comparator<String> comparator() {
            return comparator;
        }
    }

    /** What a backend does with a key holding a backslash. */
    public enum BackslashKeys {
        /** Stored and read back under the same key. */
        STORED,
        /** The provider refuses the key ({@link IllegalArgumentException} naming {@code '\'}), e.g. Azure, which would store it as '/'. */
        REJECTED_BY_PROVIDER,
        /** The server answers HTTP 400 (an {@link java.io.IOException}), e.g. S3Mock 5.2.0. */
        REFUSED_BY_SERVER
    }

    /** Contracts a fake may be unable to show. */
    public enum Contract {
        /** Objects are invisible until published, aborts leave nothing. */
        INVISIBLE_UNTIL_PUBLISHED,
        /** {@code IF_ABSENT} is refused at publish time when the key exists. */
        CONDITIONAL_CREATE,
        /** Listings page through more than one page. */
        LISTING_PAGES,
        /** Keys with non-ASCII and URL-reserved characters. */
        SPECIAL_CHARACTER_KEYS,
        /** Objects written in more than one part (multipart upload, staged blocks, resumable chunks). */
        MULTI_PART_WRITES,
        /** {@code labels}: none on an object the store wrote, not found for a missing key. */
        LABELS
    }

    public StoreCapabilities {
        uncheckable = Collections.unmodifiableMap(uncheckable.isEmpty() ? new EnumMap<>(Contract.class) : new EnumMap<>(uncheckable));
    }

    /** A backend that does everything the SPI says. */
    public static StoreCapabilities standard() {
        return new StoreCapabilities(ListingOrder.UTF8_BYTES, BackslashKeys.STORED, false, Map.of());
    }

    /** The same, listing in {@code order}. */
    public StoreCapabilities listing(ListingOrder order) {
        return new StoreCapabilities(order, backslashKeys, abortDeletesPublishedObject, uncheckable);
    }

    /** The same, treating backslash keys as {@code backslash}. */
    public StoreCapabilities backslash(BackslashKeys backslash) {
        return new StoreCapabilities(listingOrder, backslash, abortDeletesPublishedObject, uncheckable);
    }

    /** The same, with the upstream bug that an abort deletes the published object. */
    public StoreCapabilities withAbortDeletingPublishedObject() {
        return new StoreCapabilities(listingOrder, backslashKeys, true, uncheckable);
    }

    /** The same, unable to show {@code contract}, for {@code reason}. */
    public StoreCapabilities cannotShow(Contract contract, String reason) {
        Map<Contract, String> more = new EnumMap<>(Contract.class);
        more.putAll(uncheckable);
        more.put(contract, reason);
        return new StoreCapabilities(listingOrder, backslashKeys, abortDeletesPublishedObject, more);
    }

    /** Why {@code contract} cannot be shown, if it cannot. */
    public Optional<String> whyNot(Contract contract) {
        return Optional.ofNullable(uncheckable.get(contract));
    }
}
