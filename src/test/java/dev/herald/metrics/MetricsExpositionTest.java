package dev.herald.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.support.Api;
import dev.herald.support.Deliveries;
import dev.herald.support.Receiver;
import dev.herald.support.TestHerald;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * /metrics as Prometheus reads it: valid exposition with help text for every family (checked here the
 * way promtool does, and by promtool itself where it is installed), Herald's own families (the queue,
 * accepted events, API requests by route template, deliveries), the database pools' and the JVM's, and
 * every Herald family and label documented in docs/operations.md.
 */
class MetricsExpositionTest {
    @Test
    void theScrapeIsValidWithHelpForEveryFamilyAndHoldsHeraldsPoolAndJvmMeters() throws Exception {
        try (Receiver receiver = new Receiver(); TestHerald herald = TestHerald.start()) {
            Api api = herald.newProject("metrics");
            String webhook = api.post("/api/v1/webhooks", "{\"url\":\"" + receiver.url("/hook") + "\",\"events\":[\"order.*\"]}").str("id");
            Deliveries.publishAndAwait(api, "order.paid");
            assertThat(api.post("/api/v1/events", "{\"type\":\"a.b\",\"data\":{}}", Map.of("Idempotency-Key", "k1")).status()).isEqualTo(202);
            Api.Res repeat = api.post("/api/v1/events", "{\"type\":\"a.b\",\"data\":{}}", Map.of("Idempotency-Key", "k1"));
            assertThat(repeat.header("Idempotent-Replayed")).isEqualTo("true");
            assertThat(api.get("/api/v1/webhooks/" + webhook).status()).isEqualTo(200);
            assertThat(api.get("/api/v1/webhooks/01a206c7-d2c8-79cb-8be7-bf5698e8a73d").status()).isEqualTo(404);
            assertThat(api.get("/api/v1/no-such-route/" + webhook).status()).isEqualTo(404);

            Api.Res scrape = new Api(herald.port(), null).get("/metrics");
            assertThat(scrape.status()).isEqualTo(200);
            assertThat(scrape.header("Content-Type")).startsWith("text/plain; version=0.0.4");
            Map<String, PrometheusText.Family> families = PrometheusText.parse(scrape.text());
            promtool(scrape.text()).ifPresent(out -> assertThat(out).as("promtool check metrics").isEmpty());

            assertThat(families).containsKeys("herald_queue_depth", "herald_queue_oldest_due_age_seconds", "herald_events_accepted_total",
                    "herald_api_requests_seconds", "herald_api_requests_seconds_max", "herald_deliveries_total", "herald_attempt_duration_seconds",
                    "herald_webhooks_disabled_total",
                    "hikaricp_connections", "hikaricp_connections_active", "hikaricp_connections_idle", "hikaricp_connections_pending",
                    "hikaricp_connections_max", "hikaricp_connections_timeout_total", "hikaricp_connections_acquire_seconds",
                    "jvm_memory_used_bytes", "jvm_memory_max_bytes", "jvm_gc_memory_allocated_bytes_total", "jvm_gc_live_data_size_bytes",
                    "jvm_threads_live_threads", "jvm_threads_states_threads", "process_cpu_usage", "system_cpu_usage", "jvm_available_processors",
                    "process_uptime_seconds", "process_start_time_seconds");
            // Two events were accepted; the idempotent repeat is not a third.
            assertThat(families.get("herald_events_accepted_total").samples()).containsEntry("herald_events_accepted_total{}", 2.0);
            assertThat(families.get("herald_deliveries_total").samples())
                    .containsEntry("herald_deliveries_total{channel=webhook, outcome=succeeded}", 1.0);
            assertThat(families.get("hikaricp_connections").samples()).containsKeys("hikaricp_connections{pool=herald-read}",
                    "hikaricp_connections{pool=herald-write}");
            Map<String, Double> requests = families.get("herald_api_requests_seconds").samples();
            assertThat(requests).containsEntry("herald_api_requests_seconds_count{method=GET, route=/api/v1/webhooks/{id}, status=200}", 1.0)
                    .containsEntry("herald_api_requests_seconds_count{method=GET, route=/api/v1/webhooks/{id}, status=404}", 1.0)
                    .containsEntry("herald_api_requests_seconds_count{method=POST, route=/api/v1/events, status=202}", 3.0)
                    .containsEntry("herald_api_requests_seconds_count{method=GET, route=unmatched, status=404}", 1.0);
            assertThat(scrape.text()).as("route labels are templates, never raw paths with ids").doesNotContain(webhook);
        }
    }

    @Test
    void everyHeraldFamilyAndLabelIsDocumentedInOperationsMd() throws Exception {
        String doc = Files.readString(Path.of("docs/operations.md"));
        Metrics m = new Metrics();
        try {
            m.delivery("webhook", "succeeded");
            m.attemptLatency("webhook", java.time.Duration.ofMillis(5));
            m.apiRequest("/api/v1/events", "POST", 202, java.time.Duration.ofMillis(1));
            m.eventAccepted();
            for (PrometheusText.Family f : PrometheusText.parse(m.scrape()).values()) {
                if (!f.name().startsWith("herald_")) continue;
                assertThat(doc).as("docs/operations.md documents " + f.name()).contains("`" + f.name().replaceAll("_max$", ""));
                for (String series : f.samples().keySet()) {
                    Matcher labels = Pattern.compile("([a-z_]+)=").matcher(series);
                    while (labels.find()) {
                        if (!labels.group(1).equals("le")) assertThat(doc).as(f.name() + "'s label " + labels.group(1)).contains("`" + labels.group(1) + "`");
                    }
                }
            }
        } finally {
            m.close();
        }
        for (String channel : new String[] {"webhook", "email", "customer_email", "slack"}) assertThat(doc).contains("`" + channel + "`");
        for (String prefix : new String[] {"hikaricp_connections", "jvm_memory_used_bytes", "jvm_gc_", "jvm_threads_", "process_cpu_usage", "process_uptime_seconds"}) {
            assertThat(doc).contains("`" + prefix);
        }
    }

    /** promtool's verdict on {@code exposition} (its output; empty when it has nothing to say), where promtool is installed. */
    static Optional<String> promtool(String exposition) throws IOException, InterruptedException {
        Optional<Path> tool = Stream.of(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
                .map(d -> Path.of(d, "promtool")).filter(Files::isExecutable).findFirst();
        if (tool.isEmpty()) return Optional.empty();
        Process p = new ProcessBuilder(tool.get().toString(), "check", "metrics").redirectErrorStream(true).start();
        p.getOutputStream().write(exposition.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return Optional.of(p.exitValue() == 0 ? out : "exit " + p.exitValue() + ": " + out);
    }
}
