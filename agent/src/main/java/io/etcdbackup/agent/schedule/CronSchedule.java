package io.etcdbackup.agent.schedule;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Optional;

/** When something is due (full snapshots, defragmentation): a five-field UNIX cron expression, evaluated in UTC. */
public final class CronSchedule {

    private static final CronParser PARSER = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

    private final String expression;
    private final ExecutionTime executions;

    private CronSchedule(String expression, Cron cron) {
        this.expression = expression;
        this.executions = ExecutionTime.forCron(cron);
    }

    /**
     * Parses a cron expression such as {@code 0 *}{@code /1 * * *} (hourly).
     *
     * @throws IllegalArgumentException naming the expression and what is wrong with it
     */
    public static CronSchedule parse(String expression) {
        try {
            Cron cron = PARSER.parse(expression.trim());
            cron.validate();
            return new CronSchedule(expression.trim(), cron);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + expression + "' is not a 5-field cron expression: "
                    + e.getMessage(), e);
        }
    }

    /** The first time strictly after {@code now}. */
    public Optional<Instant> nextAfter(Instant now) {
        return executions.nextExecution(ZonedDateTime.ofInstant(now, ZoneOffset.UTC)).map(ZonedDateTime::toInstant);
    }

    /** The last time at or before {@code now}. */
    public Optional<Instant> lastAtOrBefore(Instant now) {
        ZonedDateTime at = ZonedDateTime.ofInstant(now, ZoneOffset.UTC);
        if (executions.isMatch(at.withNano(0).withSecond(0)) && at.getSecond() == 0 && at.getNano() == 0) {
            return Optional.of(now);
        }
        return executions.lastExecution(at).map(ZonedDateTime::toInstant);
    }

    /** Whether something done at {@code lastFull} has missed a scheduled time before {@code now}. */
    public boolean isOverdue(Instant lastFull, Instant now) {
        return lastAtOrBefore(now).map(last -> lastFull.isBefore(last)).orElse(false);
    }

    @Override
    public String toString() {
        return expression;
    }
}
