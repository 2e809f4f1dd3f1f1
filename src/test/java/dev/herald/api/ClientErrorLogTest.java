package dev.herald.api;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.herald.support.RawHttp;
import dev.herald.support.TestHerald;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Client errors never flood the log: no stack trace, no WARN, at most one line per kind per minute, counting the rest. */
class ClientErrorLogTest {
    /** Every event logged while open, with its level (the whole process: Herald, Javalin, Jetty). */
    static final class Captured implements AutoCloseable {
        final ListAppender<ILoggingEvent> appender = new ListAppender<>();
        final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

        Captured() {
            appender.start();
            root.addAppender(appender);
        }

        List<ILoggingEvent> events() {
            return List.copyOf(appender.list);
        }

        @Override
        public void close() {
            root.detachAppender(appender);
        }
    }

    /** A clock the test moves by hand. */
    static final class HandClock extends Clock {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void oneLinePerKindPerIntervalSayingHowManyWereLeftOut() {
        HandClock clock = new HandClock();
        ClientErrorLog log = new ClientErrorLog(clock, Duration.ofMinutes(1));
        try (Captured logs = new Captured()) {
            for (int i = 0; i < 100; i++) log.note("payload_too_large", "POST /api/v1/events #" + i);
            for (int i = 0; i < 5; i++) log.note("unauthorized", "bad key #" + i);
            clock.now = clock.now.plusSeconds(59);
            log.note("payload_too_large", "still inside the minute");
            clock.now = clock.now.plusSeconds(1);
            log.note("payload_too_large", "the next minute\r\nforged line");
            List<String> lines = logs.events().stream().filter(e -> e.getLoggerName().equals(ClientErrorLog.class.getName()))
                    .map(ILoggingEvent::getFormattedMessage).toList();
            assertThat(lines).containsExactly(
                    "client error payload_too_large: POST /api/v1/events #0",
                    "client error unauthorized: bad key #0",
                    "client error payload_too_large: the next minute??forged line (100 more of this kind not logged in the last 60s)");
            assertThat(logs.events()).filteredOn(e -> e.getLoggerName().equals(ClientErrorLog.class.getName()))
                    .allMatch(e -> e.getLevel() == Level.INFO && e.getThrowableProxy() == null);
        }
    }

    @Test
    void aFloodOfClientErrorsLogsNoStackTraceNoWarningAndAtMostOneLinePerKindPerMinute() {
        try (TestHerald herald = TestHerald.start(Map.of("HERALD_MAX_EVENT_SIZE_BYTES", "1024")); Captured logs = new Captured()) {
            String key = herald.newProject("flood").post("/api/v1/api-keys", "{\"name\":\"k\",\"role\":\"CLIENT_ADMIN\"}").str("api_key");
            int port = herald.port();
            long started = System.nanoTime();
            List<String[]> auth = List.<String[]>of(new String[] {"Authorization", "Bearer " + key});
            // The body limit is 1 MiB + 1 KiB here; the client sends no more than the server must read to see it passed,
            // so the server reads everything sent and closes cleanly after its answer.
            int limit = (1 << 20) + 1024;
            String head = "POST /api/v1/events HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer " + key + "\r\nContent-Type: application/json\r\nConnection: close\r\n";
            byte[] declared = (head + "Content-Length: " + (2 << 20) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            java.io.ByteArrayOutputStream streamed = new java.io.ByteArrayOutputStream();
            streamed.writeBytes((head + "Transfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(limit + 1) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            streamed.writeBytes("x".repeat(limit + 1).getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < 20; i++) {
                // an oversized body, declared (Content-Length, not sent) and streamed (chunked)
                assertThat(RawHttp.exchange(port, declared).status()).isEqualTo(413);
                assertThat(RawHttp.exchange(port, streamed.toByteArray()).status()).isEqualTo(413);
                // bad parameters of every kind
                for (String target : new String[] {"/api/v1/dead-letters?since=-999999999-01-01T00:00:00Z", "/api/v1/deliveries?limit=99999999999999999999",
                    "/api/v1/deliveries?limit=%zz", "/api/v1/deliveries?cursor=x", "/api/v1/deliveries/%00", "/api/v1/webhooks/" + "a".repeat(20_000)}) {
                    assertThat(RawHttp.send(port, "GET", target, auth, null).status()).isBetween(400, 499);
                }
                assertThat(RawHttp.send(port, "POST", "/api/v1/dead-letters/replay", auth,
                        "{\"webhook_id\":\"01a206c7-d2c8-79cb-8be7-bf5698e8a73d\",\"since\":\"+999999999-12-31T23:59:59Z\"}".getBytes(StandardCharsets.UTF_8)).status())
                        .isEqualTo(400);
                assertThat(RawHttp.send(port, "POST", "/api/v1/events", auth, new byte[] {'{', (byte) 0xff, '}'}).status()).isEqualTo(400);
                assertThat(RawHttp.send(port, "POST", "/api/v1/events", auth, "{\"a\":1e999999999999}".getBytes(StandardCharsets.UTF_8)).status()).isEqualTo(400);
                // bad keys, ambiguous keys, and what Jetty refuses itself
                assertThat(RawHttp.send(port, "GET", "/api/v1/webhooks", List.<String[]>of(new String[] {"X-Api-Key", "bogus"}), null).status()).isEqualTo(401);
                assertThat(RawHttp.send(port, "GET", "/api/v1/webhooks", List.<String[]>of(auth.get(0), new String[] {"X-Api-Key", key}), null).status()).isEqualTo(400);
                assertThat(RawHttp.send(port, "GET", "/api/v1/webhooks", List.<String[]>of(auth.get(0), new String[] {"X-Big", "a".repeat(60_000)}), null).status())
                        .isEqualTo(431);
                assertThat(RawHttp.exchange(port, "GET /api/v1/webhooks HTTP/9.9\r\nHost: a\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.UTF_8)).status())
                        .isEqualTo(400);
            }
            double minutes = (System.nanoTime() - started) / 60e9;
            List<ILoggingEvent> events = logs.events();
            assertThat(events).as("no stack traces").allMatch(e -> e.getThrowableProxy() == null);
            assertThat(events.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN)).map(ILoggingEvent::getFormattedMessage))
                    .as("no warnings or errors").isEmpty();
            Map<String, Long> perKind = events.stream().filter(e -> e.getLoggerName().equals(ClientErrorLog.class.getName()))
                    .collect(Collectors.groupingBy(e -> e.getFormattedMessage().split(":")[0], Collectors.counting()));
            assertThat(perKind).containsKeys("client error payload_too_large", "client error unauthorized", "client error http_431");
            assertThat(perKind.values()).allMatch(n -> n <= 1 + (long) Math.floor(minutes));
        }
    }
}
