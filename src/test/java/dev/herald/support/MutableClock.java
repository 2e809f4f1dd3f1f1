package dev.herald.support;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock that runs with the system clock, plus an offset a test moves forward: a Herald started with it
 * sees "an hour later" at once, while its waits and timeouts (which use real time) are unchanged.
 */
public final class MutableClock extends Clock {
    private final AtomicLong offsetMillis;

    public MutableClock() {
        this(new AtomicLong());
    }

    private MutableClock(AtomicLong offsetMillis) {
        this.offsetMillis = offsetMillis;
    }

    /** Moves this clock forward by {@code d}. */
    public void advance(Duration d) {
        if (d.isNegative()) throw new IllegalArgumentException("a clock only moves forward: " + d);
        offsetMillis.addAndGet(d.toMillis());
    }

    @Override
    public long millis() {
        return System.currentTimeMillis() + offsetMillis.get();
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis());
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        if (zone.equals(ZoneOffset.UTC)) return this;
        throw new UnsupportedOperationException("tests use UTC");
    }
}
