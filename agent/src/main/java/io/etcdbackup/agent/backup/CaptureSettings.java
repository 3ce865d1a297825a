package io.etcdbackup.agent.backup;

import io.etcdbackup.snapshot.capture.DeltaCapture;
import io.etcdbackup.snapshot.capture.FullSnapshotter;

/**
 * How the agent captures.
 *
 * @param full  full snapshot settings
 * @param delta delta capture settings; its period is kept by {@link ContinuousBackup} on the
 *              sidecar's scheduler (one-off delta snapshots publish when they finish)
 */
public record CaptureSettings(FullSnapshotter.Settings full, DeltaCapture.Settings delta) {
}
