package dev.herald.ui;

import dev.herald.config.Durations;
import dev.herald.delivery.Activity;
import dev.herald.delivery.DeliveryService;
import dev.herald.util.Ids;
import dev.herald.util.Json;
import dev.herald.util.JsonBody;
import dev.herald.util.Problem;
import dev.herald.webhooks.EventService;
import dev.herald.webhooks.Webhook;
import dev.herald.webhooks.WebhookService;
import io.javalin.config.RoutesConfig;
import io.javalin.http.HttpStatus;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** Webhooks: the list with each one's health, create (secret shown once), edit, enable and disable, rotate the secret, send a test event. */
final class ConsoleWebhooks implements ConsoleSection {
    private static final Map<String, String> NOTICES = Map.of("updated", "Saved.", "enabled", "Enabled: its waiting deliveries resume.",
            "disabled", "Disabled: its deliveries wait until it is enabled again.");
    private final WebhookService webhooks;
    private final DeliveryService deliveries;
    private final Activity activity;
    private Console c;

    ConsoleWebhooks(Console.Services s) {
        this.webhooks = s.webhooks();
        this.deliveries = s.deliveries();
        this.activity = s.activity();
    }

    @Override
    public void register(RoutesConfig r, Console c) {
        this.c = c;
        c.page(r, "/console/webhooks", this::list);
        c.page(r, "/console/webhooks/new", this::newForm);
        c.change(r, "/console/webhooks", this::create);
        c.page(r, "/console/webhooks/{id}", this::detail);
        c.page(r, "/console/webhooks/{id}/edit", this::editForm);
        c.change(r, "/console/webhooks/{id}", this::update);
        c.change(r, "/console/webhooks/{id}/enable", req -> enable(req, true));
        c.change(r, "/console/webhooks/{id}/disable", req -> enable(req, false));
        c.change(r, "/console/webhooks/{id}/rotate-secret", this::rotate);
        c.change(r, "/console/webhooks/{id}/test", this::test);
    }

    private void list(Console.Req r) {
        List<Webhook> all = webhooks.list(r.project());
        StringBuilder b = new StringBuilder("<h1>Webhooks</h1>");
        if (r.admin()) b.append("<p class=\"actions\"><a href=\"/console/webhooks/new\">New webhook</a></p>");
        if (all.isEmpty()) {
            b.append(Fmt.empty("No webhooks yet."));
        } else {
            List<List<String>> rows = new ArrayList<>();
            for (Webhook w : all) {
                Activity.Health h = activity.health(r.project(), w.id());
                rows.add(List.of(Fmt.link("/console/webhooks/" + w.id(), w.url()) + (w.description() == null ? "" : "<br><span class=\"hint\">"
                                + Html.text(w.description()) + "</span>"),
                        Html.text(String.join(", ", w.events())), state(w), rate(h), last(h), String.valueOf(w.consecutiveFailures())));
            }
            b.append(Fmt.table(null, List.of("URL", "Events", "State", "Success (recent)", "Last answer", "Failures in a row"), rows));
            b.append("<p class=\"hint\">Success is over each webhook's newest ").append(Activity.RECENT_DELIVERIES)
                    .append(" deliveries that finished (succeeded or dead-lettered).</p>");
        }
        c.show(r, "Webhooks", "/console/webhooks", b.toString());
    }

    private static String state(Webhook w) {
        if (!w.enabled()) return Fmt.badge("disabled") + (w.disabledReason() == null ? "" : "<br><span class=\"hint\">" + Html.text(w.disabledReason()) + "</span>");
        return w.consecutiveFailures() > 0 ? Fmt.badge("failing") : Fmt.badge("enabled");
    }

    private static String rate(Activity.Health h) {
        Double rate = h.successRate();
        return rate == null ? "<span class=\"muted\">none finished</span>" : Math.round(rate * 100) + "% <span class=\"hint\">of " + h.finished() + "</span>";
    }

    private static String last(Activity.Health h) {
        if (h.lastAttemptAt() == null) return "<span class=\"muted\">not attempted</span>";
        String what = h.lastStatusCode() != null ? "HTTP " + h.lastStatusCode() : "";
        if (h.lastError() != null && !h.lastError().startsWith("http_status")) what += (what.isEmpty() ? "" : " · ") + h.lastError();
        return Html.text(what.isEmpty() ? "answered" : what) + "<br><span class=\"hint\">" + Fmt.time(h.lastAttemptAt()) + "</span>";
    }

    private void newForm(Console.Req r) {
        if (!r.admin()) {
            c.show(r, "New webhook", "/console/webhooks", "<h1>New webhook</h1><p class=\"notice warn\">Your key can look but not change anything.</p>");
            return;
        }
        c.show(r, "New webhook", "/console/webhooks", "<h1>New webhook</h1>" + form(r, "/console/webhooks", null, "Create webhook"));
    }

    private String form(Console.Req r, String action, Webhook w, String submit) {
        return "<form class=\"card\" method=\"post\" action=\"" + action + "\">" + Console.csrfField(r)
                + Fmt.input("url", "URL", "url", w == null ? "" : w.url(), true, "Where Herald POSTs the events; it must resolve to a public address.")
                + Fmt.input("events", "Events", "text", w == null ? "*" : String.join(", ", w.events()), true,
                        "Event types, prefixes like ticket.* or * for all; separated by commas or spaces.")
                + Fmt.input("description", "Description", "text", w == null ? "" : w.description(), false, null)
                + Fmt.input("retry_schedule", "Retry schedule", "text", w == null ? "" : w.retrySchedule().stream().map(Durations::format)
                        .collect(Collectors.joining(", ")), false, "Delays between attempts, like 10s, 1m, 1h; empty keeps the default.")
                + Fmt.input("timeout_seconds", "Timeout (seconds)", "number", w == null ? "" : String.valueOf(w.timeoutSeconds()), false, null)
                + "<button class=\"primary\" type=\"submit\">" + submit + "</button></form>";
    }

    /** The form's fields as the API's JSON body, through the same validation. */
    private static JsonBody body(Console.Req r) {
        ObjectNode n = Json.object();
        n.put("url", r.ctx().formParam("url") == null ? "" : r.ctx().formParam("url").trim());
        ArrayNode events = n.putArray("events");
        words(r.ctx().formParam("events")).forEach(events::add);
        String d = r.ctx().formParam("description");
        if (d != null) n.put("description", d.isBlank() ? null : d.trim());
        List<String> schedule = words(r.ctx().formParam("retry_schedule"));
        if (!schedule.isEmpty()) {
            ArrayNode s = n.putArray("retry_schedule");
            schedule.forEach(s::add);
        }
        String t = r.ctx().formParam("timeout_seconds");
        if (t != null && !t.isBlank()) {
            try {
                n.put("timeout_seconds", Integer.parseInt(t.trim()));
            } catch (NumberFormatException e) {
                throw Problem.invalid("timeout_seconds", "'timeout_seconds' must be a whole number of seconds");
            }
        }
        return JsonBody.parse(Json.write(n), WebhookService.FIELDS);
    }

    private static List<String> words(String s) {
        if (s == null) return List.of();
        return Arrays.stream(s.split("[,\\s]+")).filter(w -> !w.isEmpty()).toList();
    }

    private void create(Console.Req r) {
        WebhookService.WithSecret created = webhooks.create(r.project(), body(r));
        Webhook w = created.webhook();
        c.show(r, "Webhook created", "/console/webhooks", "<h1>Webhook created</h1><p class=\"notice ok\" role=\"status\">" + Html.text(w.url())
                + " now receives " + Html.text(String.join(", ", w.events())) + ".</p>"
                + Fmt.secret("webhook-secret", "Signing secret", created.secret())
                + "<p>Verify each request's signature with this secret. " + Fmt.link("/console/webhooks/" + w.id(), "Go to the webhook") + "</p>");
    }

    private Webhook webhook(Console.Req r) {
        return webhooks.get(r.project(), Ids.canonical(r.ctx().pathParam("id")));
    }

    private void detail(Console.Req r) {
        Webhook w = webhook(r);
        Activity.Health h = activity.health(r.project(), w.id());
        StringBuilder b = new StringBuilder("<p><a href=\"/console/webhooks\">&larr; Webhooks</a></p><h1>").append(Html.text(w.url())).append("</h1>")
                .append(Console.notice(r.ctx(), NOTICES));
        b.append("<div class=\"card\"><dl><dt>State</dt><dd>").append(state(w)).append("</dd>")
                .append("<dt>Events</dt><dd>").append(Html.text(String.join(", ", w.events()))).append("</dd>")
                .append("<dt>Description</dt><dd>").append(w.description() == null ? "<span class=\"muted\">–</span>" : Html.text(w.description())).append("</dd>")
                .append("<dt>Success (recent)</dt><dd>").append(rate(h)).append("</dd>")
                .append("<dt>Last answer</dt><dd>").append(last(h)).append("</dd>")
                .append("<dt>Failures in a row</dt><dd>").append(w.consecutiveFailures()).append("</dd>")
                .append("<dt>Retry schedule</dt><dd>").append(Html.text(w.retrySchedule().stream().map(Durations::format).collect(Collectors.joining(", "))))
                .append("</dd><dt>Timeout</dt><dd>").append(w.timeoutSeconds()).append(" s</dd>")
                .append("<dt>Signature</dt><dd>").append(Html.text(w.signatureScheme())).append(", secret <code>").append(Html.text(w.secretKid()))
                .append("</code></dd>");
        if (!w.headers().isEmpty()) {
            b.append("<dt>Headers</dt><dd>");
            w.headers().forEach((k, v) -> b.append("<code>").append(Html.text(k)).append(": ").append(Html.text(v)).append("</code><br>"));
            b.append("</dd>");
        }
        if (w.authView() != null) b.append("<dt>Authentication</dt><dd><code>").append(Html.text(w.authView())).append("</code> (secrets redacted)</dd>");
        b.append("<dt>Id</dt><dd><code>").append(w.id()).append("</code></dd></dl>");
        if (r.admin()) {
            String base = "/console/webhooks/" + w.id();
            b.append("<div class=\"actions\"><a href=\"").append(base).append("/edit\">Edit</a>");
            if (w.enabled()) b.append(Console.button(r, base + "/test", "Send test event", "primary", Map.of()));
            b.append(w.enabled() ? Console.button(r, base + "/disable", "Disable", null, Map.of()) : Console.button(r, base + "/enable", "Enable", "primary", Map.of()));
            b.append(Console.button(r, base + "/rotate-secret", "Rotate secret", null, Map.of())).append("</div>");
        }
        b.append("</div><h2>Recent deliveries</h2>");
        JsonNode page = deliveries.list(r.project(), new DeliveryService.Filter(w.id(), null, null, null, null, 20, null));
        b.append(ConsoleDeliveries.deliveryTable(page.path("data"), null));
        b.append("<p>").append(Fmt.link("/console/deliveries?webhook_id=" + w.id(), "All of this webhook's deliveries")).append(" · ")
                .append(Fmt.link("/console/dead-letters?webhook_id=" + w.id(), "Its dead letters")).append("</p>");
        c.show(r, w.url(), "/console/webhooks", b.toString());
    }

    private void editForm(Console.Req r) {
        Webhook w = webhook(r);
        if (!r.admin()) {
            r.ctx().redirect("/console/webhooks/" + w.id(), HttpStatus.SEE_OTHER);
            return;
        }
        c.show(r, "Edit webhook", "/console/webhooks", "<p><a href=\"/console/webhooks/" + w.id() + "\">&larr; Back</a></p><h1>Edit webhook</h1>"
                + form(r, "/console/webhooks/" + w.id(), w, "Save"));
    }

    private void update(Console.Req r) {
        Webhook w = webhook(r);
        webhooks.update(r.project(), w.id(), body(r));
        r.ctx().redirect("/console/webhooks/" + w.id() + "?notice=updated", HttpStatus.SEE_OTHER);
    }

    private void enable(Console.Req r, boolean on) {
        Webhook w = webhook(r);
        ObjectNode n = Json.object();
        n.put("enabled", on);
        webhooks.update(r.project(), w.id(), JsonBody.parse(Json.write(n), WebhookService.FIELDS));
        r.ctx().redirect("/console/webhooks/" + w.id() + "?notice=" + (on ? "enabled" : "disabled"), HttpStatus.SEE_OTHER);
    }

    private void rotate(Console.Req r) {
        Webhook w = webhook(r);
        WebhookService.WithSecret rotated = webhooks.rotate(r.project(), w.id(), JsonBody.parseOptional("", java.util.Set.of("grace_period")));
        Webhook now = rotated.webhook();
        String until = now.previousSecretUntil() == null ? "" : " The previous secret keeps working until " + Fmt.time(now.previousSecretUntil()) + ".";
        c.show(r, "Secret rotated", "/console/webhooks", "<h1>Secret rotated</h1><p class=\"notice ok\" role=\"status\">" + Html.text(now.url())
                + " has a new signing secret." + until + "</p>" + Fmt.secret("webhook-secret", "New signing secret", rotated.secret())
                + "<p>" + Fmt.link("/console/webhooks/" + now.id(), "Back to the webhook") + "</p>");
    }

    private void test(Console.Req r) {
        Webhook w = webhook(r);
        EventService.TestSent sent = webhooks.sendTest(r.project(), w.id());
        r.ctx().redirect("/console/deliveries/" + sent.deliveryId() + "?notice=test_sent", HttpStatus.SEE_OTHER);
    }
}
