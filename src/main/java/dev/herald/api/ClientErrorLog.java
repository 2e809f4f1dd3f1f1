package dev.herald.api;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log of what clients got wrong (an oversized body, a bad key, a request Jetty could not parse):
 * at most one INFO line per kind per {@code every}, without a stack trace, saying how many more of that
 * kind were left out since the last line. A client can fail as often as it likes; the log grows by one
 * line per kind per interval. The kinds are a fixed set chosen by the callers (never request data), so
 * the table stays small; details are cut short and stripped of control characters before they are logged.
 */
final class ClientErrorLog {
    private static final Logger log = LoggerFactory.getLogger(ClientErrorLog.class);
    private static final int MAX_DETAIL = 200;

    private final Clock clock;
    private final long everyMillis;
    private final Map<String, Window> windows = new ConcurrentHashMap<>();

    private static final class Window {
        long loggedAt;
        boolean logged;
        long suppressed;
    }

    ClientErrorLog(Clock clock, Duration every) {
        this.clock = clock;
        this.everyMillis = every.toMillis();
    }

    /** Notes one client error of {@code kind}; logs it unless a line of that kind was written less than {@code every} ago. */
    void note(String kind, String detail) {
        Window w = windows.computeIfAbsent(kind, k -> new Window());
        long suppressed;
        synchronized (w) {
            long now = clock.millis();
            if (w.logged && now - w.loggedAt < everyMillis) {
                w.suppressed++;
                return;
            }
            suppressed = w.suppressed;
            w.suppressed = 0;
            w.loggedAt = now;
            w.logged = true;
        }
        String text = clean(detail);
        if (suppressed == 0) log.info("client error {}: {}", kind, text);
        else log.info("client error {}: {} ({} more of this kind not logged in the last {}s)", kind, text, suppressed, everyMillis / 1000);
    }

    /** Cut to {@value #MAX_DETAIL} characters, control characters replaced, so a request cannot forge log lines. */
    static String clean(String s) {
        if (s == null) return "";
        StringBuilder b = new StringBuilder(Math.min(s.length(), MAX_DETAIL + 1));
        for (int i = 0; i < s.length() && b.length() < MAX_DETAIL; i++) {
            char c = s.charAt(i);
            b.append(Character.isISOControl(c) || c == '\u2028' || c == '\u2029' ? '?' : c);
        }
        if (s.length() > MAX_DETAIL) b.append('…');
        return b.toString();
    }
}
