package dev.herald.ui;

import dev.herald.delivery.DeliveryService;
import dev.herald.delivery.Message;
import dev.herald.util.Ids;
import dev.herald.util.Json;
import dev.herald.util.Problem;
import dev.herald.webhooks.EventPatterns;
import dev.herald.webhooks.EventService;
import dev.herald.webhooks.Webhook;
import dev.herald.webhooks.WebhookService;
import io.javalin.config.RoutesConfig;
import io.javalin.http.HttpStatus;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * Events and deliveries: search events by type, id and time; an event's body and its deliveries;
 * deliveries by status, webhook and channel; a delivery's attempt timeline with the receiver's answers,
 * refreshed while it is in progress; retry one. Dead letters: filter, replay one, or all of a webhook's
 * since a time.
 */
final class ConsoleDeliveries implements ConsoleSection {
    private static final Set<String> FINAL = Set.of("succeeded", "dead", "cancelled");
    private static final List<String> STATUS_ORDER = List.of("pending", "in_flight", "paused", "succeeded", "dead", "cancelled");
    private static final Map<String, String> NOTICES = Map.of("retried", "Sent again: the delivery starts over with a fresh schedule.",
            "test_sent", "Test event sent to this webhook only; this page follows the delivery.");
    private final DeliveryService deliveries;
    private final WebhookService webhooks;
    private Console c;

    ConsoleDeliveries(Console.Services s) {
        this.deliveries = s.deliveries();
        this.webhooks = s.webhooks();
    }

    @Override
    public void register(RoutesConfig r, Console c) {
        this.c = c;
        c.page(r, "/console/events", this::events);
        c.page(r, "/console/events/{id}", this::event);
        c.page(r, "/console/deliveries", this::list);
        c.page(r, "/console/deliveries/{id}", this::delivery);
        c.change(r, "/console/deliveries/{id}/retry", this::retry);
        c.page(r, "/console/dead-letters", this::deadLetters);
        c.change(r, "/console/dead-letters/replay", this::replay);
    }

    // ---- events ----

    private void events(Console.Req r) {
        String id = param(r, "id");
        if (id != null) {
            String canonical = Ids.canonical(id);
            if (!Ids.isUuid(canonical)) throw Problem.invalid("id", "'id' must be an event id (a UUID)");
            r.ctx().redirect("/console/events/" + canonical, HttpStatus.SEE_OTHER);
            return;
        }
        String typeIn = param(r, "type");
        String type = null;
        boolean prefix = false;
        if (typeIn != null) {
            prefix = typeIn.endsWith(".*");
            String exact = prefix ? typeIn.substring(0, typeIn.length() - 2) : typeIn;
            if (!EventPatterns.isValidType(exact)) throw Problem.invalid("type", "'type' must be an event type like ticket.created, or a prefix like ticket.*");
            type = prefix ? exact + "." : exact;
        }
        Long since = time(param(r, "since"), "since");
        Long until = time(param(r, "until"), "until");
        String cursor = param(r, "cursor");
        if (cursor != null && !Ids.isUuid(cursor)) throw Problem.invalid("cursor", "'cursor' must be the next page link's");
        DeliveryService.MessagePage page = deliveries.messages(r.project(), EventService.KIND,
                new DeliveryService.MessageFilter(type, prefix, since, until, cursor, 50));
        StringBuilder b = new StringBuilder("<h1>Events</h1><form class=\"filters\" method=\"get\" action=\"/console/events\">")
                .append(filter("type", "Type", "text", typeIn, "ticket.created or ticket.*"))
                .append(filter("id", "Event id", "text", null, null))
                .append(filter("since", "Since (UTC)", "datetime-local", param(r, "since"), null))
                .append(filter("until", "Until (UTC)", "datetime-local", param(r, "until"), null))
                .append("<button type=\"submit\">Search</button></form>");
        if (page.messages().isEmpty()) {
            b.append(Fmt.empty("No events match."));
        } else {
            List<List<String>> rows = new ArrayList<>();
            for (DeliveryService.MessageInfo m : page.messages()) {
                rows.add(List.of(Fmt.link("/console/events/" + m.id(), m.type()), Fmt.time(m.createdAt()), "<code>" + m.id() + "</code>"));
            }
            b.append(Fmt.table(null, List.of("Type", "Created", "Id"), rows));
            if (page.nextCursor() != null) b.append("<p>").append(Fmt.link(next(r, page.nextCursor()), "Older events")).append("</p>");
        }
        c.show(r, "Events", "/console/events", b.toString());
    }

    private void event(Console.Req r) {
        Message m = deliveries.message(r.project(), EventService.KIND, Ids.canonical(r.ctx().pathParam("id")), "event");
        JsonNode data = Json.parse(m.body()).get("data");
        StringBuilder b = new StringBuilder("<p><a href=\"/console/events\">&larr; Events</a></p><h1>").append(Html.text(m.type())).append("</h1>")
                .append("<div class=\"card\"><dl><dt>Id</dt><dd><code>").append(m.id()).append("</code></dd><dt>Created</dt><dd>").append(Fmt.time(m.createdAt()))
                .append("</dd></dl><h2>Data</h2><pre class=\"body\" aria-label=\"Event data\">").append(Html.text(pretty(data))).append("</pre>")
                .append("<details><summary>The exact body Herald sends and signs</summary><pre class=\"body\">")
                .append(Html.text(new String(m.body(), java.nio.charset.StandardCharsets.UTF_8))).append("</pre></details></div>")
                .append("<h2>Deliveries</h2>");
        JsonNode page = deliveries.list(r.project(), new DeliveryService.Filter(null, m.id(), null, null, null, 100, null));
        b.append(deliveryTable(page.path("data"), webhookUrls(webhooks, r.project())));
        c.show(r, m.type(), "/console/events", b.toString());
    }

    // ---- deliveries ----

    private void list(Console.Req r) {
        String status = param(r, "status");
        if (status != null && !DeliveryService.STATUSES.contains(status)) throw Problem.invalid("status", "'status' must be one of " + STATUS_ORDER);
        String webhook = uuid(param(r, "webhook_id"), "webhook_id");
        String event = uuid(param(r, "event_id"), "event_id");
        String channel = param(r, "channel");
        if (channel != null && !deliveries.channelNames().contains(channel)) throw Problem.invalid("channel", "'channel' must be one of " + deliveries.channelNames());
        String cursor = uuid(param(r, "cursor"), "cursor");
        JsonNode page = deliveries.list(r.project(), new DeliveryService.Filter(webhook, event, status, null, cursor, 50, channel));
        StringBuilder b = new StringBuilder("<h1>Deliveries</h1><form class=\"filters\" method=\"get\" action=\"/console/deliveries\">")
                .append("<div class=\"field\"><label for=\"status\">Status</label><select id=\"status\" name=\"status\"><option value=\"\">any</option>");
        for (String s : STATUS_ORDER) {
            b.append("<option value=\"").append(s).append("\"").append(s.equals(status) ? " selected" : "").append(">").append(s.replace('_', ' ')).append("</option>");
        }
        b.append("</select></div>").append(webhookSelect(r, webhook, "any"))
                .append("<div class=\"field\"><label for=\"channel\">Channel</label><select id=\"channel\" name=\"channel\"><option value=\"\">any</option>");
        for (String ch : deliveries.channelNames()) {
            b.append("<option value=\"").append(Html.esc(ch)).append("\"").append(ch.equals(channel) ? " selected" : "").append(">").append(Html.text(ch)).append("</option>");
        }
        b.append("</select></div>").append(filter("event_id", "Event id", "text", event, null)).append("<button type=\"submit\">Filter</button></form>");
        b.append(deliveryTable(page.path("data"), webhookUrls(webhooks, r.project())));
        if (!page.path("next_cursor").isNull()) b.append("<p>").append(Fmt.link(next(r, page.path("next_cursor").asString()), "Older deliveries")).append("</p>");
        c.show(r, "Deliveries", "/console/deliveries", b.toString());
    }

    /** Deliveries as a table: what, where, state, attempts, last answer. */
    static String deliveryTable(JsonNode data, Map<String, String> webhookUrls) {
        boolean withTarget = webhookUrls != null;
        if (data.isEmpty()) return Fmt.empty("No deliveries.");
        List<List<String>> rows = new ArrayList<>();
        for (JsonNode d : data) {
            String what = d.hasNonNull("event_type") ? d.get("event_type").asString() : d.path("template").asString(d.path("channel").asString());
            List<String> row = new ArrayList<>();
            row.add(Fmt.link("/console/deliveries/" + d.get("id").asString(), what));
            row.add(Fmt.badge(d.path("status").asString()));
            if (withTarget) row.add(target(d, webhookUrls));
            row.add(String.valueOf(d.path("attempt_count").asInt()));
            row.add(lastAnswer(d));
            row.add(Fmt.time(d.get("created_at")));
            rows.add(row);
        }
        List<String> cols = withTarget ? List.of("Delivery", "Status", "To", "Attempts", "Last answer", "Created")
                : List.of("Delivery", "Status", "Attempts", "Last answer", "Created");
        return Fmt.table(null, cols, rows);
    }

    /** The project's webhooks by id: their URLs, to name deliveries' targets. */
    static Map<String, String> webhookUrls(WebhookService webhooks, String projectId) {
        Map<String, String> out = new java.util.HashMap<>();
        for (Webhook w : webhooks.list(projectId)) out.put(w.id(), w.url());
        return out;
    }

    private static String target(JsonNode d, Map<String, String> webhookUrls) {
        if (d.hasNonNull("webhook_id")) {
            String id = d.get("webhook_id").asString();
            String url = webhookUrls.get(id);
            return url == null ? "<span class=\"muted\">a deleted webhook</span>" : Fmt.link("/console/webhooks/" + id, url);
        }
        if (d.hasNonNull("recipient")) return Html.text(d.get("recipient").asString());
        return Html.text(d.path("channel").asString());
    }

    private static String lastAnswer(JsonNode d) {
        String s = d.hasNonNull("last_status_code") ? "HTTP " + d.get("last_status_code").asInt() : "";
        if (d.hasNonNull("last_error") && !d.get("last_error").asString().startsWith("http_status")) s += (s.isEmpty() ? "" : " · ") + d.get("last_error").asString();
        return s.isEmpty() ? "<span class=\"muted\">–</span>" : Html.text(s.length() > 160 ? s.substring(0, 160) + "…" : s);
    }

    private void delivery(Console.Req r) {
        JsonNode d = deliveries.get(r.project(), Ids.canonical(r.ctx().pathParam("id")));
        String id = d.get("id").asString();
        String status = d.path("status").asString();
        StringBuilder b = new StringBuilder("<p><a href=\"/console/deliveries\">&larr; Deliveries</a></p><h1>Delivery</h1>")
                .append(Console.notice(r.ctx(), NOTICES));
        boolean live = !FINAL.contains(status) && !"paused".equals(status);
        b.append("<section id=\"delivery\" aria-live=\"polite\"").append(live ? " data-refresh=\"2000\"" : "").append(">");
        b.append("<div class=\"card\"><dl><dt>Status</dt><dd class=\"delivery-status\">").append(Fmt.badge(status))
                .append(live ? " <span class=\"hint\">updates by itself</span>" : "").append("</dd>");
        if (d.hasNonNull("event_id")) {
            b.append("<dt>Event</dt><dd>").append(Fmt.link("/console/events/" + d.get("event_id").asString(), d.path("event_type").asString())).append("</dd>");
        }
        if (d.hasNonNull("email_id")) b.append("<dt>Email</dt><dd><code>").append(Html.text(d.get("email_id").asString())).append("</code></dd>");
        b.append("<dt>To</dt><dd>").append(target(d, webhookUrls(webhooks, r.project()))).append("</dd><dt>Channel</dt><dd>").append(Html.text(d.path("channel").asString())).append("</dd>")
                .append("<dt>Attempts</dt><dd>").append(d.path("attempt_count").asInt()).append("</dd>");
        if (d.hasNonNull("next_attempt_at")) b.append("<dt>Next attempt</dt><dd>").append(Fmt.time(d.get("next_attempt_at"))).append("</dd>");
        if (d.hasNonNull("dead_reason")) b.append("<dt>Dead because</dt><dd>").append(Html.text(d.get("dead_reason").asString())).append("</dd>");
        b.append("<dt>Created</dt><dd>").append(Fmt.time(d.get("created_at"))).append("</dd><dt>Finished</dt><dd>").append(Fmt.time(d.get("completed_at")))
                .append("</dd><dt>Id</dt><dd><code>").append(Html.text(id)).append("</code></dd></dl>");
        if (r.admin() && FINAL.contains(status)) {
            b.append("<div class=\"actions\">").append(Console.button(r, "/console/deliveries/" + id + "/retry", "Retry", "primary", Map.of())).append("</div>");
        }
        b.append("</div>");
        b.append("<h2>Attempts</h2>");
        JsonNode attempts = d.path("attempts");
        if (attempts.isEmpty()) {
            b.append(Fmt.empty(live ? "No attempt yet: it is on its way." : "No attempts."));
        } else {
            b.append("<ol class=\"timeline\">");
            for (JsonNode a : attempts) {
                boolean ok = a.path("error_kind").isNull();
                b.append("<li class=\"card attempt\"><h3 class=\"hint\">Attempt ").append(a.path("attempt").asInt()).append(" · ")
                        .append(Fmt.time(a.get("started_at"))).append("</h3><dl><dt>Outcome</dt><dd>").append(Fmt.badge(ok ? "succeeded" : "failed")).append("</dd>")
                        .append("<dt>Status</dt><dd>").append(a.hasNonNull("status_code") ? "HTTP " + a.get("status_code").asInt() : "<span class=\"muted\">no answer</span>")
                        .append("</dd><dt>Duration</dt><dd>").append(a.path("duration_ms").asLong()).append(" ms</dd>");
                if (!ok) b.append("<dt>Error kind</dt><dd><code>").append(Html.text(a.path("error_kind").asString())).append("</code></dd>");
                if (a.hasNonNull("error_message")) b.append("<dt>Error</dt><dd>").append(Html.text(a.get("error_message").asString())).append("</dd>");
                b.append("</dl>");
                if (a.hasNonNull("request_headers")) {
                    b.append("<details><summary>Request headers</summary><p class=\"hint\">As this attempt sent them; signatures and credentials are redacted. "
                            + "The HTTP client also adds Host, Content-Length and User-Agent.</p><dl class=\"request-headers\">");
                    for (var h : a.get("request_headers").properties()) {
                        b.append("<dt><code>").append(Html.text(h.getKey())).append("</code></dt><dd><code>").append(Html.text(h.getValue().asString())).append("</code></dd>");
                    }
                    b.append("</dl></details>");
                }
                if (a.hasNonNull("response_body")) {
                    b.append("<p class=\"hint\">The receiver's answer").append(a.path("response_truncated").asBoolean() ? " (cut at the capture limit)" : "")
                            .append(":</p><pre class=\"body response\">").append(Html.text(a.get("response_body").asString())).append("</pre>");
                }
                b.append("</li>");
            }
            b.append("</ol>");
        }
        b.append("</section>");
        c.show(r, "Delivery", "/console/deliveries", b.toString());
    }

    private void retry(Console.Req r) {
        String id = Ids.canonical(r.ctx().pathParam("id"));
        deliveries.retry(r.project(), id);
        r.ctx().redirect("/console/deliveries/" + id + "?notice=retried", HttpStatus.SEE_OTHER);
    }

    // ---- dead letters ----

    private void deadLetters(Console.Req r) {
        String webhook = uuid(param(r, "webhook_id"), "webhook_id");
        Long since = time(param(r, "since"), "since");
        String cursor = uuid(param(r, "cursor"), "cursor");
        JsonNode page = deliveries.list(r.project(), new DeliveryService.Filter(webhook, null, "dead", since, cursor, 50, null));
        StringBuilder b = new StringBuilder("<h1>Dead letters</h1>");
        String replayed = r.ctx().queryParam("replayed");
        if (replayed != null && replayed.matches("\\d{1,9}")) {
            b.append("<p class=\"notice ok\" role=\"status\">Replayed ").append(replayed).append(replayed.equals("1") ? " dead letter" : " dead letters")
                    .append(": they are being delivered again.</p>");
        }
        b.append("<form class=\"filters\" method=\"get\" action=\"/console/dead-letters\">").append(webhookSelect(r, webhook, "any"))
                .append(filter("since", "Dead since (UTC)", "datetime-local", param(r, "since"), null)).append("<button type=\"submit\">Filter</button></form>");
        JsonNode data = page.path("data");
        Map<String, String> urls = webhookUrls(webhooks, r.project());
        if (data.isEmpty()) {
            b.append(Fmt.empty("No dead letters match."));
        } else {
            List<List<String>> rows = new ArrayList<>();
            for (JsonNode d : data) {
                String id = d.get("id").asString();
                String what = d.hasNonNull("event_type") ? d.get("event_type").asString() : d.path("template").asString(d.path("channel").asString());
                List<String> row = new ArrayList<>(List.of(Fmt.link("/console/deliveries/" + id, what), target(d, urls),
                        Html.text(d.path("dead_reason").asString(d.path("last_error").asString(""))), Fmt.time(d.get("completed_at"))));
                if (r.admin()) row.add(Console.button(r, "/console/dead-letters/replay", "Replay", null, Map.of("delivery_id", id)));
                rows.add(row);
            }
            b.append(Fmt.table(null, r.admin() ? List.of("Delivery", "To", "Why", "Dead since", "") : List.of("Delivery", "To", "Why", "Dead since"), rows));
            if (!page.path("next_cursor").isNull()) b.append("<p>").append(Fmt.link(next(r, page.path("next_cursor").asString()), "More")).append("</p>");
        }
        if (r.admin()) {
            b.append("<form class=\"card\" method=\"post\" action=\"/console/dead-letters/replay\"><h2>Replay a webhook's dead letters</h2>")
                    .append(Console.csrfField(r)).append(webhookSelect(r, webhook, null).replace("id=\"webhook_id\"", "id=\"replay_webhook_id\"")
                            .replace("for=\"webhook_id\"", "for=\"replay_webhook_id\""))
                    .append(filter("since", "Those dead since (UTC, optional)", "datetime-local", param(r, "since"), null).replace("\"since\"", "\"replay_since\"")
                            .replace("name=\"replay_since\"", "name=\"since\""))
                    .append("<button class=\"primary\" type=\"submit\">Replay all</button></form>");
        }
        c.show(r, "Dead letters", "/console/dead-letters", b.toString());
    }

    private void replay(Console.Req r) {
        String deliveryId = uuid(formParam(r, "delivery_id"), "delivery_id");
        String webhookId = uuid(formParam(r, "webhook_id"), "webhook_id");
        Long since = time(formParam(r, "since"), "since");
        if (deliveryId == null && webhookId == null) throw Problem.invalid("webhook_id", "choose a webhook whose dead letters to replay");
        if (deliveryId != null && (webhookId != null || since != null)) {
            throw Problem.invalid("delivery_id", "replay one dead letter, or a webhook's since a time, not both");
        }
        if (webhookId != null) webhooks.get(r.project(), webhookId);
        int n = deliveries.replay(r.project(), deliveryId, webhookId, null, since);
        if (deliveryId != null && n == 0) throw Problem.notFound("dead letter");
        r.ctx().redirect("/console/dead-letters?replayed=" + n, HttpStatus.SEE_OTHER);
    }

    // ---- helpers ----

    private String webhookSelect(Console.Req r, String selected, String anyLabel) {
        StringBuilder b = new StringBuilder("<div class=\"field\"><label for=\"webhook_id\">Webhook</label><select id=\"webhook_id\" name=\"webhook_id\""
                + (anyLabel == null ? " required" : "") + ">");
        b.append("<option value=\"\">").append(anyLabel == null ? "choose…" : anyLabel).append("</option>");
        for (Webhook w : webhooks.list(r.project())) {
            b.append("<option value=\"").append(w.id()).append("\"").append(w.id().equals(selected) ? " selected" : "").append(">").append(Html.text(w.url()))
                    .append("</option>");
        }
        return b.append("</select></div>").toString();
    }

    private static String filter(String name, String label, String type, String value, String placeholder) {
        return "<div class=\"field\"><label for=\"" + name + "\">" + Html.text(label) + "</label><input type=\"" + type + "\" id=\"" + name + "\" name=\"" + name
                + "\" value=\"" + Html.esc(value == null ? "" : value) + "\"" + (placeholder == null ? "" : " placeholder=\"" + Html.esc(placeholder) + "\"")
                + (type.equals("datetime-local") ? " step=\"1\"" : "") + "></div>";
    }

    /** A non-blank query parameter, trimmed; null otherwise. */
    static String param(Console.Req r, String name) {
        String v = r.ctx().queryParam(name);
        return v == null || v.isBlank() ? null : v.trim();
    }

    private static String formParam(Console.Req r, String name) {
        String v = r.ctx().formParam(name);
        return v == null || v.isBlank() ? null : v.trim();
    }

    private static String uuid(String v, String field) {
        if (v == null) return null;
        String id = v.toLowerCase(Locale.ROOT);
        if (!Ids.isUuid(id)) throw Problem.invalid(field, "'" + field + "' must be an id (a UUID)");
        return id;
    }

    /** A time from a {@code datetime-local} field, read as UTC (or a full ISO-8601 instant); null when blank. */
    static Long time(String v, String field) {
        if (v == null) return null;
        try {
            if (v.endsWith("Z")) return java.time.Instant.parse(v).toEpochMilli();
            LocalDateTime t = LocalDateTime.parse(v);
            if (t.getYear() < 1 || t.getYear() > 9999) throw new DateTimeParseException("year", v, 0);
            return t.toInstant(ZoneOffset.UTC).toEpochMilli();
        } catch (DateTimeParseException e) {
            throw Problem.invalid(field, "'" + field + "' must be a time like 2026-01-31T12:00 (UTC)");
        }
    }

    /** This page's URL with {@code cursor} set to the next page's. */
    private static String next(Console.Req r, String cursor) {
        StringBuilder b = new StringBuilder(r.ctx().path()).append("?");
        r.ctx().queryParamMap().forEach((k, vs) -> {
            if (!k.equals("cursor") && !k.equals("notice")) {
                for (String v : vs) b.append(java.net.URLEncoder.encode(k, java.nio.charset.StandardCharsets.UTF_8)).append('=')
                        .append(java.net.URLEncoder.encode(v, java.nio.charset.StandardCharsets.UTF_8)).append('&');
            }
        });
        return b.append("cursor=").append(cursor).toString();
    }

    private static String pretty(JsonNode n) {
        return n == null ? "" : Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(n);
    }
}
