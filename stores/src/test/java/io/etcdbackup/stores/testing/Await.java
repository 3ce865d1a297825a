package io.etcdbackup.stores.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * The one way tests wait for work done on other threads or in other processes: poll a condition
 * until it holds or the timeout passes, never sleep for a fixed time and hope. Polls start every
 * few milliseconds and back off to {@value #MAX_PAUSE_MILLIS} ms, so a fast condition costs
 * little time and a slow one (a store listing, an HTTP call) little CPU.
 *
 * <p>Anything the condition throws, including an {@link AssertionError} such as "the server is
 * still running", fails the wait at once; a condition that tolerates "not yet" failures (a
 * refused connection) catches them itself and returns {@code false}.
 */
public final class Await {

    static final long MAX_PAUSE_MILLIS = 200;

    /** A condition checked repeatedly. */
    @FunctionalInterface
    public interface Condition {
        /** Whether the awaited state is reached; throwing fails the wait at once. */
        boolean holds() throws Exception;
    }

    /** Observes a value repeatedly. */
    @FunctionalInterface
    public interface Probe<T> {
        /** The value now; throwing fails the wait at once. */
        T observe() throws Exception;
    }

    /** A wait that timed out, so that a caller can add what it knows (a server's log) to the message. */
    public static final class TimedOut extends AssertionError {
        TimedOut(String message) {
            super(message);
        }
    }

    private Await() {
    }

    /**
     * Returns once {@code condition} holds; throws {@link TimedOut} naming {@code what} when it
     * still does not hold after {@code timeout}. The condition is checked at least once,
     * and once more after the deadline so that a slow last poll is not lost.
     */
    public static void await(String what, Duration timeout, Condition condition) throws Exception {
        await(what, timeout, condition::holds, Boolean::booleanValue);
    }

    /**
     * Returns the first value of {@code probe} that satisfies {@code until}; throws {@link TimedOut}
     * naming {@code what} and the last observed value when none did within {@code timeout}.
     */
    public static <T> T await(String what, Duration timeout, Probe<T> probe, Predicate<? super T> until) throws Exception {
        Objects.requireNonNull(what, "what");
        long deadline = System.nanoTime() + timeout.toNanos();
        long pause = 5;
        while (true) {
            boolean late = System.nanoTime() - deadline >= 0;
            T value = probe.observe();
            if (until.test(value)) {
                return value;
            }
            if (late) {
                throw new TimedOut(timedOut(what, timeout, value));
            }
            Thread.sleep(pause);
            pause = Math.min(MAX_PAUSE_MILLIS, pause * 2);
        }
    }

    /** Whether something accepts TCP connections on {@code 127.0.0.1:port} now (a refusal is {@code false}). */
    public static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }

    static String timedOut(String what, Duration timeout, Object last) {
        String message = "timed out after " + timeout.toMillis() + " ms waiting for " + what;
        return last instanceof Boolean ? message : message + "; last observed: " + last;
    }
}
