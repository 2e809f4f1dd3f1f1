package dev.herald.support;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Waiting for a positive condition: polls until it holds and fails, naming what was awaited and the last
 * value seen, if it does not within the deadline. Never "wait a while and check nothing happened": a test
 * that needs to know something did not happen waits for a state in which it could no longer happen.
 */
public final class Await {
    /**
     * The default deadline. It only bounds how long a failing test takes: passing tests stop as soon as the
     * condition holds, so it is generous enough for a loaded two-core machine running both engines.
     */
    public static final Duration PATIENCE = Duration.ofSeconds(60);

    private Await() {}

    /** Polls {@code probe} until {@code done} accepts its value, and returns that value. */
    public static <T> T until(String what, Duration timeout, Supplier<T> probe, Predicate<? super T> done) {
        long deadline = System.nanoTime() + timeout.toNanos();
        T last;
        while (true) {
            last = probe.get();
            if (done.test(last)) return last;
            if (System.nanoTime() - deadline > 0) throw new AssertionError(what + ": not reached within " + timeout + "; last seen: " + last);
            Receiver.sleep(20);
        }
    }

    public static <T> T until(String what, Supplier<T> probe, Predicate<? super T> done) {
        return until(what, PATIENCE, probe, done);
    }

    public static void until(String what, Duration timeout, BooleanSupplier condition) {
        until(what, timeout, condition::getAsBoolean, Boolean::booleanValue);
    }

    public static void until(String what, BooleanSupplier condition) {
        until(what, PATIENCE, condition);
    }
}
