package dev.herald.util;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * UUIDv7 identifiers (RFC 9562): time-ordered, so new rows append to indexes and ids sort by creation,
 * which keyset pagination relies on. Ids are identifiers, not secrets: the random bits come from a fast
 * non-cryptographic generator (secrets and API keys use {@code SecureRandom}).
 */
public final class Ids {
    private Ids() {}

    /** The last millisecond an id was made for and its 12-bit sequence: {@code ms << 12 | seq}. */
    private static final AtomicLong LAST = new AtomicLong();

    /**
     * A UUIDv7 for {@code epochMillis}. Ids this process makes within one millisecond increase in the order
     * they are made (RFC 9562 section 6.2, method 1: the 12 bits after the version are a sequence that starts
     * at a random value below 2048 in each new millisecond), so "newest first" is exact for rows created in
     * the same millisecond; once a millisecond's sequence is spent, the rest of it are random.
     */
    public static String uuid7(long epochMillis) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long seq;
        while (true) {
            long last = LAST.get();
            long next;
            if (last >>> 12 == epochMillis) {
                seq = (last & 0xfffL) + 1;
                if (seq > 0xfffL) {
                    seq = random.nextLong(0x1000L);
                    break;
                }
                next = last + 1;
            } else {
                seq = random.nextLong(0x800L);
                next = (epochMillis << 12) | seq;
            }
            if (LAST.compareAndSet(last, next)) break;
        }
        long msb = (epochMillis << 16) | 0x7000L | seq;
        long lsb = (random.nextLong() & 0x3fffffffffffffffL) | 0x8000000000000000L;
        return new UUID(msb, lsb).toString();
    }

    /** The smallest UUIDv7 of a millisecond: every id created at or after {@code epochMillis} sorts at or above it. */
    public static String uuid7Floor(long epochMillis) {
        return new UUID((epochMillis << 16) | 0x7000L, 0x8000000000000000L).toString();
    }

    /**
     * A UUID written in any case, in its canonical lower-case form (the hex digits of a UUID have no
     * case, so {@code 01A2...} names the same row as {@code 01a2...}); anything else unchanged.
     */
    public static String canonical(String s) {
        if (s == null || s.length() != 36) return s;
        String lower = s.toLowerCase(java.util.Locale.ROOT);
        return isUuid(lower) ? lower : s;
    }

    /** True when {@code s} is a canonical lowercase UUID (ids from the API are checked before any query). */
    public static boolean isUuid(String s) {
        if (s == null || s.length() != 36) return false;
        for (int i = 0; i < 36; i++) {
            char c = s.charAt(i);
            boolean dash = i == 8 || i == 13 || i == 18 || i == 23;
            if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
        }
        return true;
    }
}
