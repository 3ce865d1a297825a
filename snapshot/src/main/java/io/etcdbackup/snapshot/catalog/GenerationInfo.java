package io.etcdbackup.snapshot.catalog;

import java.time.Instant;

/**
 * Why a generation started: recorded in {@code generation.json} when it begins.
 *
 * @param id                 generation id
 * @param reason             why continuity with the previous generation could not be proved
 * @param startedAt          when
 * @param clusterId          etcd cluster id of the source
 * @param startRevision      revision of the generation's first full snapshot
 * @param previousGeneration the generation before, or null
 */
public record GenerationInfo(String id, String reason, Instant startedAt, long clusterId, long startRevision,
                             String previousGeneration) {
}
