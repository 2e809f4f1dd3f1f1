package dev.herald.ui;

import dev.herald.delivery.Activity;
import dev.herald.delivery.DeliveryService;
import dev.herald.delivery.QueueStats;
import dev.herald.webhooks.Webhook;
import dev.herald.webhooks.WebhookService;
import io.javalin.config.RoutesConfig;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * The overview: attempts per minute by outcome over the last hour (a server-drawn SVG chart), the
 * failure rate, the project's queue, webhooks that are failing or disabled, and the newest dead letters.
 */
final class ConsoleOverview implements ConsoleSection {
    static final int MINUTES = 60;
    private static final DateTimeFormatter HHMM = DateTimeFormatter.ofPattern("HH:mm").withZone(ZoneOffset.UTC);
    private final Activity activity;
    private final WebhookService webhooks;
    private final DeliveryService deliveries;
    private Console c;

    ConsoleOverview(Console.Services s) {
        this.activity = s.activity();
        this.webhooks = s.webhooks();
        this.deliveries = s.deliveries();
    }

    @Override
    public void register(RoutesConfig r, Console c) {
        this.c = c;
        c.page(r, "/console", this::overview);
    }

    private void overview(Console.Req r) {
        Activity.PerMinute pm = activity.perMinute(r.project(), MINUTES);
        QueueStats q = activity.queue(r.project());
        int ok = 0;
        int failed = 0;
        int dead = 0;
        for (Activity.Minute m : pm.minutes()) {
            ok += m.succeeded();
            failed += m.failed();
            dead += m.dead();
        }
        int total = ok + failed + dead;
        StringBuilder b = new StringBuilder("<h1>Overview</h1><div class=\"grid\">")
                .append(stat(String.valueOf(total), "attempts in the last hour"))
                .append(stat(total == 0 ? "–" : String.format(java.util.Locale.ROOT, "%.1f%%", 100.0 * (failed + dead) / total), "failure rate (last hour)"))
                .append(stat(String.valueOf(q.depth()), "deliveries queued or in flight"))
                .append(stat(q.oldestDueAgeMillis() == 0 ? "–" : Fmt.age(q.oldestDueAgeMillis()), "oldest due delivery has waited"))
                .append("</div>");
        b.append("<section class=\"card chart\"><h2>Attempts per minute, last hour (UTC)</h2>").append(chart(pm.minutes()))
                .append("<div class=\"legend\"><span><span class=\"swatch ok\"></span>succeeded ").append(ok).append("</span>")
                .append("<span><span class=\"swatch fail\"></span>failed, will retry ").append(failed).append("</span>")
                .append("<span><span class=\"swatch dead\"></span>failed, dead-lettered ").append(dead).append("</span></div>");
        if (!pm.complete()) b.append("<p class=\"hint\">The hour was too busy to count in full; the chart shows its most recent part.</p>");
        b.append("</section>");

        List<List<String>> trouble = new ArrayList<>();
        for (Webhook w : webhooks.list(r.project())) {
            if (w.enabled() && w.consecutiveFailures() == 0) continue;
            trouble.add(List.of(Fmt.link("/console/webhooks/" + w.id(), w.url()), w.enabled() ? Fmt.badge("failing") : Fmt.badge("disabled"),
                    String.valueOf(w.consecutiveFailures()), w.disabledReason() == null ? "<span class=\"muted\">–</span>" : Html.text(w.disabledReason())));
        }
        b.append("<section><h2>Webhooks that are failing or disabled</h2>").append(trouble.isEmpty() ? Fmt.empty("None: every webhook is enabled and its last delivery went through.")
                : Fmt.table(null, List.of("Webhook", "State", "Failures in a row", "Disabled because"), trouble)).append("</section>");

        JsonNode deadLetters = deliveries.list(r.project(), new DeliveryService.Filter(null, null, "dead", null, null, 10, null)).path("data");
        b.append("<section><h2>Recent dead letters</h2>").append(ConsoleDeliveries.deliveryTable(deadLetters, ConsoleDeliveries.webhookUrls(webhooks, r.project())))
                .append("<p>").append(Fmt.link("/console/dead-letters", "All dead letters")).append("</p></section>");
        c.show(r, "Overview", "/console", b.toString());
    }

    private static String stat(String n, String label) {
        return "<div class=\"stat\"><div class=\"n\">" + Html.text(n) + "</div><div class=\"l\">" + Html.text(label) + "</div></div>";
    }

    /** Stacked bars, one per minute; presentation attributes only (the CSP allows no inline style). */
    static String chart(List<Activity.Minute> minutes) {
        int w = 10;
        int height = 150;
        int top = 10;
        int max = 1;
        for (Activity.Minute m : minutes) max = Math.max(max, m.total());
        int width = minutes.size() * w;
        StringBuilder b = new StringBuilder("<svg viewBox=\"0 0 ").append(width + 40).append(' ').append(height + top + 24)
                .append("\" role=\"img\" aria-label=\"Attempts per minute over the last hour: up to ").append(max).append(" a minute\">");
        b.append("<text x=\"").append(width + 4).append("\" y=\"").append(top + 8).append("\" font-size=\"10\" fill=\"#5b6475\">").append(max).append("</text>");
        b.append("<line x1=\"0\" y1=\"").append(top + height).append("\" x2=\"").append(width).append("\" y2=\"").append(top + height)
                .append("\" stroke=\"#d9dde5\"/>");
        for (int i = 0; i < minutes.size(); i++) {
            Activity.Minute m = minutes.get(i);
            int x = i * w;
            int y = top + height;
            int[] counts = {m.succeeded(), m.failed(), m.dead()};
            String[] colors = {"#2e9d57", "#e0a030", "#c0392b"};
            b.append("<g><title>").append(HHMM.format(Instant.ofEpochMilli(m.start()))).append(" UTC: ").append(m.succeeded()).append(" succeeded, ")
                    .append(m.failed()).append(" failed, ").append(m.dead()).append(" dead-lettered</title>");
            b.append("<rect x=\"").append(x).append("\" y=\"").append(top).append("\" width=\"").append(w).append("\" height=\"").append(height)
                    .append("\" fill=\"transparent\"/>");
            for (int k = 0; k < 3; k++) {
                if (counts[k] == 0) continue;
                int h = Math.max(1, Math.round((float) counts[k] * height / max));
                y -= h;
                b.append("<rect class=\"bar-").append(k == 0 ? "ok" : k == 1 ? "fail" : "dead").append("\" x=\"").append(x + 1).append("\" y=\"").append(y)
                        .append("\" width=\"").append(w - 2).append("\" height=\"").append(h).append("\" fill=\"").append(colors[k]).append("\"/>");
            }
            b.append("</g>");
            if (i % 15 == 0) {
                b.append("<text x=\"").append(x).append("\" y=\"").append(top + height + 16).append("\" font-size=\"10\" fill=\"#5b6475\">")
                        .append(HHMM.format(Instant.ofEpochMilli(m.start()))).append("</text>");
            }
        }
        return b.append("</svg>").toString();
    }
}
