package dev.herald.util;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * UUIDv7 identifiers (RFC 9562): time-ordered, so new rows append to indexes and ids sort by creation,
 * which keyset pagination relies on. Ids are identifiers, not secrets: the random bits come from a fast
 * non-cryptographic generator (secrets and API keys use {@code SecureRandom}).
 */
public final class Ids {
    private Ids() {}

    public static String uuid7(long epochMillis) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long rand = random.nextLong();
        long msb = (epochMillis << 16) | 0x7000L | ((rand >>> 52) & 0x0fffL);
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
