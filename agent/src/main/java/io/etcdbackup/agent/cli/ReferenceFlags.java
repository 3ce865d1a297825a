package io.etcdbackup.agent.cli;

import io.etcdbackup.agent.config.EffectiveConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Objects;
import java.util.function.Function;

/**
 * Applies the reference's flags (gardener/etcd-backup-restore, as etcd-druid passes them) onto the
 * agent's own options, within one command's {@link EffectiveConfig}:
 * <ul>
 *   <li>a reference flag that says what one of our options says becomes that option's value, unless
 *   the option was given too (flag, file or environment): then both must mean the same, and a
 *   contradiction is a problem naming both;</li>
 *   <li>a reference flag without a meaning here is accepted and logged.</li>
 * </ul>
 * Each applied or ignored flag is logged once ({@code key=value}) when {@code log} is set: the mixins
 * may be checked twice, and log on the first time only.
 */
final class ReferenceFlags {

    private static final Logger LOG = LoggerFactory.getLogger(ReferenceFlags.class);

    private final EffectiveConfig checks;
    private final boolean log;

    /** @param log whether to log what is applied and ignored (the first check of a command only) */
    ReferenceFlags(EffectiveConfig checks, boolean log) {
        this.checks = checks;
        this.log = log;
    }

    EffectiveConfig checks() {
        return checks;
    }

    /**
     * Maps {@code flag}'s value onto our option {@code ours}; nothing when the flag is not given.
     *
     * @param raw       the flag's value as given; {@code null} when it is not
     * @param meaning   reads the flag's value into what it means; throws {@link IllegalArgumentException} naming why not
     * @param oursMeans reads our option's current value into the same terms (a bad value is left to our own check)
     * @param render    our option's value for a meaning (of the option's type)
     */
    <T> void map(String flag, String raw, Function<String, T> meaning, String ours, Function<Object, T> oursMeans,
                 Function<T, Object> render) {
        if (raw == null) {
            return;
        }
        T theirs = checks.parse(flag, raw, meaning).orElse(null);
        if (theirs == null) {
            return; // rejected, naming the flag
        }
        if (checks.given(ours)) {
            T mine;
            try {
                mine = oursMeans.apply(checks.value(ours));
            } catch (RuntimeException e) {
                return; // our own check names our option
            }
            if (!Objects.equals(theirs, mine)) {
                contradicts(flag, raw, ours);
            }
            return;
        }
        Object value = render.apply(theirs);
        checks.derive(ours, value, flag);
        if (log) {
            LOG.info("reference flag applied flag={} value=\"{}\" option={} effective=\"{}\"", flag, raw, ours, value);
        }
    }

    /** Records that the reference flag {@code flag} and our option {@code ours} say different things. */
    void contradicts(String flag, String raw, String ours) {
        checks.reject(flag, raw, "contradicts " + checks.shown(ours) + "; give one of them, or the same value");
    }

    /** Logs a reference flag that is accepted without effect here; nothing when it is not given. */
    void ignored(String flag, Object value, String why) {
        if (value != null && log) {
            LOG.info("reference flag accepted without effect flag={} value=\"{}\" reason=\"{}\"", flag, value, why);
        }
    }

    /** Logs a reference flag whose effect is not a plain option value (said in {@code effect}). */
    void applied(String flag, Object value, String effect) {
        if (value != null && log) {
            LOG.info("reference flag applied flag={} value=\"{}\" effect=\"{}\"", flag, value, effect);
        }
    }
}
