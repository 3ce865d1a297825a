package io.etcdbackup.agent.backup;

import io.etcdbackup.snapshot.capture.DeltaCapture;
import io.etcdbackup.snapshot.capture.FullSnapshotter;

import java.time.Duration;
import java.util.Optional;

/**
 * How the agent captures.
 *
 * @param full         full snapshot settings
 * @param delta        delta capture settings
 * @param fullSchedule cron expression (5 fields, UNIX) for full snapshots; empty for none
 * @param startupFullIfOlderThan take a full snapshot at start-up when the newest is older
 *                     than this (derived from the schedule when empty)
 */
public record CaptureSettings(FullSnapshotter.Settings full, DeltaCapture.Settings delta, Optional<String> fullSchedule,
                              Optional<Duration> startupFullIfOlderThan) {
}
