package io.etcdbackup.agent.backup;

import io.etcdbackup.snapshot.capture.DeltaCapture;
import io.etcdbackup.snapshot.capture.FullSnapshotter;

import java.time.Duration;

/**
 * How the agent captures.
 *
 * @param full        full snapshot settings
 * @param deltaPeriod how often buffered revisions are published; kept by {@link ContinuousBackup}
 *                    on the sidecar's scheduler, the only owner of the period (zero: only on
 *                    size, demand and close; one-off delta snapshots publish when they finish)
 * @param delta       delta capture settings
 */
public record CaptureSettings(FullSnapshotter.Settings full, Duration deltaPeriod, DeltaCapture.Settings delta) {
    public CaptureSettings {
        if (deltaPeriod.isNegative()) {
            throw new IllegalArgumentException("delta period must not be negative, got " + deltaPeriod);
        }
    }
}
