package dev.herald.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Herald's meters, exposed at {@code /metrics} in the Prometheus text format. Every family has help
 * text (docs/operations.md lists them all with their labels), and every label takes a bounded set of
 * values: channels, outcomes, route templates (never raw paths), methods and status codes. The JVM's
 * own meters (memory, GC, threads, CPU, uptime) and, once {@link #registry()} is handed to the
 * database, its connection pools' are on the same page.
 */
public final class Metrics implements AutoCloseable {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AtomicLong queueDepth = new AtomicLong();
    private final AtomicLong oldestDueAgeMs = new AtomicLong();
    private final Map<String, Counter> deliveries = new ConcurrentHashMap<>();
    private final Map<String, Timer> latency = new ConcurrentHashMap<>();
    private final Map<String, Timer> requests = new ConcurrentHashMap<>();
    private final Counter eventsAccepted;
    private final Counter webhooksDisabled;
    private final Counter startedClaimed;
    private final Counter startedHandedOver;
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final AtomicLong mailMessages = new AtomicLong();
    private final AtomicLong mailRawBytes = new AtomicLong();
    private final AtomicLong mailAttachmentBytes = new AtomicLong();

    public Metrics() {
        // Micrometer's names that promtool's lint refuses: a unit abbreviated (ns) and a gauge ending in _count.
        registry.config().meterFilter(MeterFilter.denyNameStartsWith("process.cpu.time"));
        registry.config().meterFilter(new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                return id.getName().equals("system.cpu.count") ? id.withName("jvm.available.processors") : id;
            }
        });
        Gauge.builder("herald.queue.depth", queueDepth, AtomicLong::get)
                .description("Deliveries pending or in flight, in the whole installation").register(registry);
        Gauge.builder("herald.queue.oldest.due.age.seconds", oldestDueAgeMs, v -> v.get() / 1000.0)
                .description("How late the most overdue pending delivery is, in seconds (0 when none is overdue)").register(registry);
        eventsAccepted = Counter.builder("herald.events.accepted")
                .description("Events accepted by POST /api/v1/events (idempotent repeats not counted)").register(registry);
        Gauge.builder("herald.mail.stored.messages", mailMessages, AtomicLong::get)
                .description("Inbound mail messages stored, in the whole installation").register(registry);
        Gauge.builder("herald.mail.stored.bytes", mailRawBytes, AtomicLong::get).tag("part", "raw")
                .description("Bytes of stored inbound mail, raw messages and attachments (decoded)").baseUnit("bytes").register(registry);
        Gauge.builder("herald.mail.stored.bytes", mailAttachmentBytes, AtomicLong::get).tag("part", "attachments")
                .description("Bytes of stored inbound mail, raw messages and attachments (decoded)").baseUnit("bytes").register(registry);
        webhooksDisabled = Counter.builder("herald.webhooks.disabled").description("Webhooks disabled automatically").register(registry);
        startedClaimed = started("claimed");
        startedHandedOver = started("handed_over");
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    /** Counts a provider callback by provider and outcome: {@code verified}, {@code rejected} (any reason), {@code duplicate} (repeated items). */
    public void inboundCallback(String provider, String outcome) {
        Counter.builder("herald.inbound.callbacks").description("Provider callbacks by provider and outcome")
                .tag("provider", provider).tag("outcome", outcome).register(registry).increment();
    }

    /**
     * Counts a message offered to Herald by SMTP or the HTTP inbox: {@code accepted} (committed), {@code rejected}
     * (refused before storing: unknown recipient, too large, loop) or {@code failed} (not stored; the sender retries).
     */
    public void mailReceived(String transport, String outcome) {
        Counter.builder("herald.mail.received").description("Inbound mail messages by transport (smtp, http) and outcome")
                .tag("transport", transport).tag("outcome", outcome).register(registry).increment();
    }

    /** Stored inbound mail in the whole installation: raw messages and their attachments, in bytes (refreshed by the retention pass). */
    public void mailStored(long messages, long rawBytes, long attachmentBytes) {
        mailMessages.set(messages);
        mailRawBytes.set(rawBytes);
        mailAttachmentBytes.set(attachmentBytes);
    }

    /** Counts a finished attempt: {@code succeeded}, {@code retry} (failed, will retry) or {@code dead} (dead-lettered). */
    public void delivery(String channel, String outcome) {
        deliveries.computeIfAbsent(channel + "/" + outcome, k -> Counter.builder("herald.deliveries").description("Delivery attempts by channel and outcome")
                .tag("channel", channel).tag("outcome", outcome).register(registry)).increment();
    }

    private Counter started(String path) {
        return Counter.builder("herald.attempts.started").description("Attempts this worker started, by how their deliveries reached it")
                .tag("path", path).register(registry);
    }

    /** Counts attempts started: {@code handedOver} for deliveries handed over as they were accepted, else claimed from the queue. */
    public void attemptsStarted(int n, boolean handedOver) {
        (handedOver ? startedHandedOver : startedClaimed).increment(n);
    }

    public void attemptLatency(String channel, Duration d) {
        latency.computeIfAbsent(channel, k -> Timer.builder("herald.attempt.duration").description("Duration of delivery attempts by channel")
                .tag("channel", channel).publishPercentileHistogram().register(registry)).record(d);
    }

    public void webhookDisabled() {
        webhooksDisabled.increment();
    }

    public void eventAccepted() {
        eventsAccepted.increment();
    }

    /**
     * Records an answered API request. {@code route} must be a route template ({@code /api/v1/webhooks/{id}})
     * or a fixed word such as {@code unmatched}, never the request's path, so the series stay few.
     */
    public void apiRequest(String route, String method, int status, Duration d) {
        String s = Integer.toString(status);
        requests.computeIfAbsent(method + " " + route + " " + s, k -> Timer.builder("herald.api.requests")
                .description("API requests answered, by route template, method and status")
                .tag("route", route).tag("method", method).tag("status", s).register(registry)).record(d);
    }

    public void queue(long depth, long oldestDueAgeMillis) {
        queueDepth.set(depth);
        oldestDueAgeMs.set(oldestDueAgeMillis);
    }

    /** The registry, for libraries that publish their own meters into it (the database's connection pools). */
    public MeterRegistry registry() {
        return registry;
    }

    public String scrape() {
        return registry.scrape();
    }

    /** Stops listening to the JVM's garbage collections. */
    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
