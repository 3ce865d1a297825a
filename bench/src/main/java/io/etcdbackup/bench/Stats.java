package io.etcdbackup.bench;

import java.util.Arrays;
import java.util.List;

/** The statistics of the table's figures: medians of repeated runs, percentiles of lags. */
final class Stats {

    private Stats() {
    }

    /** The median of {@code values} (the mean of the middle two for an even count); not empty. */
    static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /**
     * The nearest-rank {@code q} quantile (0 < q <= 1) of {@code sorted}, ascending and not empty:
     * the smallest value with at least {@code q} of the values at or below it.
     */
    static double percentile(double[] sorted, double q) {
        int index = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    /** The largest of {@code values}, 0 for none. */
    static long max(List<Long> values) {
        return values.stream().mapToLong(Long::longValue).max().orElse(0);
    }

    /** The index of the first element of {@code ascending} that is at least {@code value}, or -1. */
    static int firstAtLeast(long[] ascending, long value) {
        int lo = 0;
        int hi = ascending.length - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (ascending[mid] >= value) {
                found = mid;
                hi = mid - 1;
            } else {
                lo = mid + 1;
            }
        }
        return found;
    }

    /**
     * Seconds from each acknowledged write to the first poll that saw its revision durable, for
     * the first {@code acks} writes; writes no poll saw durable are left out, so the result may be
     * shorter than {@code acks}. Polls are in time order with ascending revisions; a poll before
     * the acknowledgement counts as a lag of 0.
     *
     * @param pollNanos     when each poll saw a new highest durable revision
     * @param pollRevisions that revision, per poll
     * @param ackRevisions  the revision of each acknowledged write
     * @param ackNanos      when each write was acknowledged
     */
    static double[] durabilityLags(long[] pollNanos, long[] pollRevisions, long[] ackRevisions, long[] ackNanos, int acks) {
        double[] lags = new double[acks];
        int durable = 0;
        for (int i = 0; i < acks; i++) {
            int at = firstAtLeast(pollRevisions, ackRevisions[i]);
            if (at >= 0) {
                lags[durable++] = Math.max(0, pollNanos[at] - ackNanos[i]) / 1e9;
            }
        }
        return Arrays.copyOf(lags, durable);
    }
}
