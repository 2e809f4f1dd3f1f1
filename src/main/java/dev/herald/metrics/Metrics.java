package dev.herald.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** Herald's meters, exposed at {@code /metrics} in the Prometheus text format. */
public final class Metrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AtomicLong queueDepth = new AtomicLong();
    private final AtomicLong oldestDueAgeMs = new AtomicLong();
    private final Map<String, Counter> deliveries = new ConcurrentHashMap<>();
    private final Map<String, Timer> latency = new ConcurrentHashMap<>();

    public Metrics() {
        registry.gauge("herald.queue.depth", queueDepth);
        registry.gauge("herald.queue.oldest.due.age.seconds", oldestDueAgeMs, v -> v.get() / 1000.0);
    }

    /** Counts a provider callback by provider and outcome: {@code verified}, {@code rejected} (any reason), {@code duplicate} (repeated items). */
    public void inboundCallback(String provider, String outcome) {
        Counter.builder("herald.inbound.callbacks").description("Provider callbacks by provider and outcome")
                .tag("provider", provider).tag("outcome", outcome).register(registry).increment();
    }

    /** Counts a finished attempt: {@code succeeded}, {@code retry} (failed, will retry) or {@code dead} (dead-lettered). */
    public void delivery(String channel, String outcome) {
        deliveries.computeIfAbsent(channel + "/" + outcome, k -> Counter.builder("herald.deliveries").description("Delivery attempts by outcome")
                .tag("channel", channel).tag("outcome", outcome).register(registry)).increment();
    }

    public void attemptLatency(String channel, Duration d) {
        latency.computeIfAbsent(channel, k -> Timer.builder("herald.attempt.duration").description("Duration of delivery attempts")
                .tag("channel", channel).publishPercentileHistogram().register(registry)).record(d);
    }

    public void webhookDisabled() {
        Counter.builder("herald.webhooks.disabled").description("Webhooks disabled automatically").register(registry).increment();
    }

    public void queue(long depth, long oldestDueAgeMillis) {
        queueDepth.set(depth);
        oldestDueAgeMs.set(oldestDueAgeMillis);
    }

    public String scrape() {
        return registry.scrape();
    }
}
