package io.etcdbackup.snapshot.retention;

import io.etcdbackup.snapshot.catalog.Generation;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Decides which backups to keep. A policy is a pure function of the catalog's generations and a
 * given instant: it reads no clock, no store and no configuration, and deletes nothing itself.
 * Executing a decision (taking entries out of the index, then deleting objects after a grace
 * period) is the caller's job.
 *
 * <p>Every policy chooses which <em>full snapshots</em> to keep with its own rule (see
 * {@link RetentionPolicies}), then obeys the same common rules:
 * <ol>
 *   <li><b>The live chain is never deleted.</b> The newest full snapshot is the latest full
 *       snapshot of the newest generation that holds one. It, every delta segment of its
 *       generation holding a revision after it, and every object of any newer generation (one
 *       whose first full snapshot is not published yet) are always kept. The newest generation
 *       is never deleted whole, even when it holds nothing yet.</li>
 *   <li><b>Retained full snapshots keep what reaches the next one.</b> A retained full snapshot
 *       F at revision r needs every delta segment of its generation that holds a revision in
 *       {@code (r, r']}, where r' is the revision of the next retained full snapshot of the same
 *       generation, or every segment holding a revision after r when F is the last retained one
 *       of its generation (the generation's tail). So point-in-time restore works anywhere
 *       between retained points, even across deleted full snapshots. A segment no retained full
 *       snapshot needs is deleted.</li>
 *   <li><b>Delta retention</b> ({@link #withDeltaRetention}): a delta segment published before
 *       {@code now - period} is deleted even when rule 2 would keep it, unless it is part of the
 *       live chain. The later segments of the same span go with it, since they could no longer be
 *       replayed from that full snapshot (unless another retained full snapshot reaches them).
 *       Segments without a publication time never expire.</li>
 *   <li><b>Empty generations go whole.</b> A generation other than the newest with no retained
 *       object is deleted whole, including its {@code generation.json}.</li>
 * </ol>
 *
 * <p>"Newest" among full snapshots means latest {@code createdAt}, ties broken by generation id
 * and then revision. Calendar periods (hour, day, ISO week, month) are UTC.
 */
public interface RetentionPolicy {

    /**
     * What to keep and what to delete.
     *
     * @param generations every generation of the catalog, in any order; a generation's objects in
     *                    any order
     * @param now         the instant the decision is made for (the caller's clock)
     * @return the same decision for the same arguments, every time. Every full snapshot and delta
     *         segment of the input is either kept or deleted, never both. Applying the policy to
     *         the kept objects at the same {@code now} deletes nothing more.
     * @throws IllegalArgumentException naming the value when the input is inconsistent: two
     *         generations with one id, one key listed twice, an object listed under another
     *         generation than its own, a full snapshot without a creation time
     */
    RetentionDecision decide(List<Generation> generations, Instant now);

    /**
     * This policy, plus: delta segments published more than {@code period} before {@code now}
     * are deleted unless they are part of the live chain. {@link Duration#ZERO} keeps only the
     * live chain's segments, which is what the reference tool does with its default.
     *
     * @throws RetentionConfigException if the period is negative
     */
    RetentionPolicy withDeltaRetention(Duration period);
}
