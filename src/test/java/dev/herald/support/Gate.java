package dev.herald.support;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Holds receivers' requests until the test opens it, so "this request is still in flight" is a fact the
 * test controls instead of a delay it hopes is long enough. Call {@link #pass()} in a handler; open the
 * gate in a {@code finally} so no request stays held after the test.
 */
public final class Gate {
    /** A held request goes on by itself after this, so a forgotten gate cannot hang the suite. */
    private static final Duration SAFETY = Duration.ofMinutes(3);

    private final CountDownLatch open = new CountDownLatch(1);
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicInteger arrived = new AtomicInteger();

    /** Blocks the calling handler until the gate is open. */
    public void pass() {
        arrived.incrementAndGet();
        waiting.incrementAndGet();
        try {
            open.await(SAFETY.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            waiting.decrementAndGet();
        }
    }

    public void open() {
        open.countDown();
    }

    public boolean isOpen() {
        return open.getCount() == 0;
    }

    /** Requests held right now. */
    public int waiting() {
        return waiting.get();
    }

    /** Requests that reached the gate so far (held or let through). */
    public int arrived() {
        return arrived.get();
    }

    /** Waits until {@code n} requests are held. */
    public void awaitWaiting(int n) {
        Await.until(n + " requests held at the gate", () -> waiting.get() >= n);
    }
}
