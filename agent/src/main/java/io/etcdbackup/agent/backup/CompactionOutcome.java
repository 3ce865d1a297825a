package io.etcdbackup.agent.backup;

import io.etcdbackup.compaction.Compactor;

import java.time.Instant;
import java.util.Optional;

/**
 * What a compaction run did, for status pages.
 *
 * @param finishedAt when it ended
 * @param trigger    which threshold started it
 * @param result     what it did, if it did not fail
 * @param failure    why it failed, if it did
 */
public record CompactionOutcome(Instant finishedAt, String trigger, Optional<Compactor.Result> result, Optional<String> failure) {
}
