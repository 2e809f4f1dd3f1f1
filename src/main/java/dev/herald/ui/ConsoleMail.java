package dev.herald.ui;

import dev.herald.delivery.DeliveryService;
import dev.herald.email.EmailChannel;
import dev.herald.email.EmailService;
import dev.herald.inbound.InboundService;
import dev.herald.inbound.InboundSource;
import dev.herald.inbound.InboundSources;
import dev.herald.mail.Endpoint;
import dev.herald.mail.Endpoints;
import dev.herald.mail.MailDomains;
import dev.herald.mail.MailIntake;
import dev.herald.mail.MailMessages;
import dev.herald.mail.Route;
import dev.herald.mail.Routes;
import dev.herald.util.Ids;
import dev.herald.util.Json;
import io.javalin.config.RoutesConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * Email and inbound pages, read-only: emails with their recipients' deliveries and the providers'
 * status history; inbound sources with their callback URLs and recent verified and rejected requests;
 * mail domains, endpoints and routes; received messages with their attachments.
 */
final class ConsoleMail implements ConsoleSection {
    private final DeliveryService deliveries;
    private final EmailService emails;
    private final InboundSources sources;
    private final InboundService inbound;
    private final MailDomains domains;
    private final Endpoints endpoints;
    private final Routes routes;
    private final MailMessages messages;
    private final MailIntake intake;
    private Console c;

    ConsoleMail(Console.Services s) {
        this.deliveries = s.deliveries();
        this.emails = s.emails();
        this.sources = s.inboundSources();
        this.inbound = s.inbound();
        this.domains = s.domains();
        this.endpoints = s.endpoints();
        this.routes = s.routes();
        this.messages = s.messages();
        this.intake = s.intake();
    }

    @Override
    public void register(RoutesConfig r, Console c) {
        this.c = c;
        c.page(r, "/console/emails", this::emailList);
        c.page(r, "/console/emails/{id}", this::email);
        c.page(r, "/console/inbound", this::sourceList);
        c.page(r, "/console/inbound/{id}", this::source);
        c.page(r, "/console/mail", this::mail);
        c.page(r, "/console/mail/messages/{id}", this::message);
        c.page(r, "/console/mail/messages/{id}/preview", this::preview);
    }

    // ---- emails ----

    private void emailList(Console.Req r) {
        JsonNode page = deliveries.list(r.project(), new DeliveryService.Filter(null, null, null, null, null, 100, EmailChannel.NAME));
        StringBuilder b = new StringBuilder("<h1>Emails</h1><p class=\"hint\">The newest 100 recipients' deliveries; open an email for its provider status history.</p>");
        JsonNode data = page.path("data");
        if (data.isEmpty()) {
            b.append(Fmt.empty("No emails sent yet."));
        } else {
            List<List<String>> rows = new ArrayList<>();
            for (JsonNode d : data) {
                String emailId = d.path("email_id").asString();
                rows.add(List.of(Fmt.link("/console/emails/" + emailId, d.path("template").asString("(inline)")), Fmt.text(d.get("recipient")),
                        Fmt.badge(d.path("status").asString()), Fmt.link("/console/deliveries/" + d.get("id").asString(), "delivery"),
                        Fmt.time(d.get("created_at"))));
            }
            b.append(Fmt.table(null, List.of("Email", "Recipient", "Status", "Attempts", "Created"), rows));
        }
        c.show(r, "Emails", "/console/emails", b.toString());
    }

    private void email(Console.Req r) {
        String id = Ids.canonical(r.ctx().pathParam("id"));
        JsonNode e = emails.get(r.project(), id, deliveries);
        StringBuilder b = new StringBuilder("<p><a href=\"/console/emails\">&larr; Emails</a></p><h1>").append(Fmt.text(e.get("subject"))).append("</h1>")
                .append("<div class=\"card\"><dl><dt>Status</dt><dd>").append(Fmt.badge(e.path("status").asString())).append("</dd>")
                .append("<dt>From</dt><dd>").append(Fmt.text(e.get("from"))).append("</dd><dt>To</dt><dd>").append(Html.text(list(e.path("to"))))
                .append("</dd><dt>Template</dt><dd>").append(Fmt.text(e.get("template"))).append("</dd><dt>Message-ID</dt><dd><code>")
                .append(Fmt.text(e.get("message_id"))).append("</code></dd><dt>Created</dt><dd>").append(Fmt.time(e.get("created_at"))).append("</dd></dl></div>");
        b.append("<h2>Recipients' deliveries</h2>").append(ConsoleDeliveries.deliveryTable(e.path("deliveries"), Map.of()));
        JsonNode statuses = inbound.statusesOfEmail(r.project(), id);
        b.append("<h2>Provider status history</h2>");
        if (statuses.isEmpty()) {
            b.append(Fmt.empty("No provider has reported on this email yet."));
        } else {
            List<List<String>> rows = new ArrayList<>();
            for (JsonNode s : statuses) {
                rows.add(List.of(Fmt.time(s.get("occurred_at")), Fmt.badge(s.path("status").asString()), Fmt.text(s.get("provider_status")),
                        Fmt.text(s.get("recipient")), Fmt.text(s.get("reason")), Fmt.text(s.get("provider"))));
            }
            b.append(Fmt.table(null, List.of("When", "Status", "Provider's word", "Recipient", "Reason", "Provider"), rows));
        }
        c.show(r, "Email", "/console/emails", b.toString());
    }

    private static String list(JsonNode array) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : array) out.add(n.isString() ? n.asString() : n.toString());
        return String.join(", ", out);
    }

    // ---- inbound sources ----

    private void sourceList(Console.Req r) {
        List<InboundSource> all = sources.list(r.project());
        StringBuilder b = new StringBuilder("<h1>Inbound sources</h1><p class=\"hint\">Providers post delivery statuses to these callback URLs.</p>");
        if (all.isEmpty()) {
            b.append(Fmt.empty("No inbound sources."));
        } else {
            List<List<String>> rows = new ArrayList<>();
            for (InboundSource s : all) {
                rows.add(List.of(Fmt.link("/console/inbound/" + s.id(), s.name()), Html.text(s.provider()), "<code>" + Html.text(sources.callbackUrl(s.id())) + "</code>",
                        Fmt.time(s.createdAt())));
            }
            b.append(Fmt.table(null, List.of("Name", "Provider", "Callback URL", "Created"), rows));
        }
        c.show(r, "Inbound sources", "/console/inbound", b.toString());
    }

    private void source(Console.Req r) {
        InboundSource s = sources.get(r.project(), Ids.canonical(r.ctx().pathParam("id")));
        StringBuilder b = new StringBuilder("<p><a href=\"/console/inbound\">&larr; Inbound sources</a></p><h1>").append(Html.text(s.name())).append("</h1>")
                .append("<div class=\"card\"><dl><dt>Provider</dt><dd>").append(Html.text(s.provider())).append("</dd><dt>Callback URL</dt><dd><code id=\"callback-url\">")
                .append(Html.text(sources.callbackUrl(s.id()))).append("</code> <button type=\"button\" data-copy=\"callback-url\" hidden>Copy</button></dd>")
                .append("<dt>Created</dt><dd>").append(Fmt.time(s.createdAt())).append("</dd></dl></div><h2>Recent requests</h2>");
        JsonNode data = inbound.requests(r.project(), s.id(), null, 50).path("data");
        if (data.isEmpty()) {
            b.append(Fmt.empty("No callbacks received yet."));
        } else {
            List<List<String>> rows = new ArrayList<>();
            for (JsonNode q : data) {
                rows.add(List.of(Fmt.time(q.get("received_at")), Fmt.badge(q.path("verified").asBoolean() ? "verified" : "rejected"), Fmt.text(q.get("reason")),
                        String.valueOf(q.path("statuses").asInt()), Fmt.text(q.get("remote_address"))));
            }
            b.append(Fmt.table(null, List.of("Received", "Signature", "Reason", "Statuses", "From"), rows));
        }
        c.show(r, s.name(), "/console/inbound", b.toString());
    }

    // ---- inbound mail ----

    private void mail(Console.Req r) {
        StringBuilder b = new StringBuilder("<h1>Inbound mail</h1><h2>Domains</h2>");
        List<List<String>> rows = new ArrayList<>();
        for (MailDomains.Domain d : domains.list(r.project())) rows.add(List.of(Html.text(d.domain()), Fmt.time(d.createdAt())));
        b.append(rows.isEmpty() ? Fmt.empty("No mail domains.") : Fmt.table(null, List.of("Domain", "Added"), rows));
        b.append("<h2>Endpoints</h2>");
        rows = new ArrayList<>();
        for (Endpoint e : endpoints.list(r.project())) {
            rows.add(List.of(Html.text(e.name()), "<code>" + Html.text(e.url()) + "</code>", Html.text(String.join(", ", e.headerNames())),
                    "<code>" + Html.text(e.secretKid()) + "</code>"));
        }
        b.append(rows.isEmpty() ? Fmt.empty("No endpoints.") : Fmt.table(null, List.of("Name", "URL", "Headers (values redacted)", "Secret"), rows));
        b.append("<h2>Routes</h2>");
        rows = new ArrayList<>();
        for (Route rt : routes.list(r.project())) {
            rows.add(List.of(Html.text(rt.name()), String.valueOf(rt.priority()), "<code>" + Html.text(Json.write(rt.json().get("match"))) + "</code>",
                    Html.text(rt.mapper()), rt.enabled() ? Fmt.badge("enabled") : Fmt.badge("disabled")));
        }
        b.append(rows.isEmpty() ? Fmt.empty("No routes.") : Fmt.table(null, List.of("Name", "Priority", "Matches", "Mapper", "State"), rows));
        b.append("<h2>Received messages</h2>");
        JsonNode data = messages.list(r.project(), new MailMessages.Filter(null, null, null, null, null, null, null, 50)).path("data");
        rows = new ArrayList<>();
        for (JsonNode m : data) {
            rows.add(List.of(Fmt.link("/console/mail/messages/" + m.get("id").asString(), m.path("subject").asString("(no subject)")),
                    Fmt.text(m.path("from").path("address")), Html.text(list(m.path("rcpt_to"))), String.valueOf(m.path("attachments").asInt()),
                    Fmt.time(m.get("received_at"))));
        }
        b.append(rows.isEmpty() ? Fmt.empty("No messages received.") : Fmt.table(null, List.of("Subject", "From", "To", "Attachments", "Received"), rows));
        c.show(r, "Inbound mail", "/console/mail", b.toString());
    }

    private void message(Console.Req r) {
        JsonNode m = messages.get(r.project(), r.ctx().pathParam("id"));
        JsonNode doc = m.path("document");
        StringBuilder b = new StringBuilder("<p><a href=\"/console/mail\">&larr; Inbound mail</a></p><h1>").append(Html.text(m.path("subject").asString("(no subject)")))
                .append("</h1><div class=\"card\"><dl><dt>From</dt><dd>").append(Fmt.text(m.path("from").path("address"))).append("</dd><dt>To</dt><dd>")
                .append(Html.text(list(m.path("rcpt_to")))).append("</dd><dt>Received</dt><dd>").append(Fmt.time(m.get("received_at")))
                .append(" over ").append(Fmt.text(m.get("transport"))).append("</dd><dt>Size</dt><dd>").append(m.path("size").asLong()).append(" bytes</dd></dl></div>");
        b.append("<h2>Attachments</h2>");
        List<List<String>> rows = new ArrayList<>();
        for (JsonNode a : doc.path("body").path("attachments")) {
            rows.add(List.of(Fmt.text(a.get("filename")), Fmt.text(a.get("content_type")), String.valueOf(a.path("size").asLong()), Fmt.text(a.get("sha256"))));
        }
        b.append(rows.isEmpty() ? Fmt.empty("No attachments.") : Fmt.table(null, List.of("File", "Type", "Bytes", "SHA-256"), rows));
        b.append("<h2>Routes and deliveries</h2>");
        rows = new ArrayList<>();
        for (JsonNode rt : m.path("routes")) {
            StringBuilder ds = new StringBuilder();
            for (JsonNode d : rt.path("deliveries")) {
                ds.append(Fmt.link("/console/deliveries/" + d.get("id").asString(), d.path("status").asString())).append(' ');
            }
            rows.add(List.of(Fmt.text(rt.get("route_name")), ds.isEmpty() ? "<span class=\"muted\">–</span>" : ds.toString()));
        }
        b.append(rows.isEmpty() ? Fmt.empty("No route matched.") : Fmt.table(null, List.of("Route", "Deliveries"), rows));
        b.append("<p>").append(Fmt.link("/console/mail/messages/" + m.get("id").asString() + "/preview", "Preview the routes as they are now"))
                .append("</p><details><summary>The parsed document</summary><pre class=\"body\">")
                .append(Html.text(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(doc))).append("</pre></details>");
        c.show(r, "Message", "/console/mail", b.toString());
    }

    /** Which routes take the stored message now, and what each one's mapper makes of it; nothing is sent. */
    private void preview(Console.Req r) {
        String id = Ids.canonical(r.ctx().pathParam("id"));
        JsonNode m = messages.get(r.project(), id);
        List<MailIntake.Preview> previews = intake.preview(r.project(), id);
        StringBuilder b = new StringBuilder("<p>").append(Fmt.link("/console/mail/messages/" + id, "\u2190 The message")).append("</p><h1>Route preview</h1>")
                .append("<p class=\"hint\">How the project's routes, as they are now, take &ldquo;").append(Html.text(m.path("subject").asString("(no subject)")))
                .append("&rdquo;: in order, up to the first matching route that stops. Nothing is sent.</p>");
        if (previews.isEmpty()) b.append(Fmt.empty("No enabled route matches this message."));
        for (MailIntake.Preview p : previews) {
            b.append("<section class=\"card route-preview\"><h2>").append(Html.text(p.route().name())).append("</h2><p class=\"hint\">mapper ")
                    .append(Html.text(p.route().mapper())).append(", priority ").append(p.route().priority()).append(p.route().stop() ? ", stops here" : "").append("</p>");
            if (p.error() != null) {
                b.append("<p class=\"notice bad\">").append(Html.text(p.error())).append("</p>");
            } else {
                String body = new String(p.body(), java.nio.charset.StandardCharsets.UTF_8);
                try {
                    body = Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(Json.parse(p.body()));
                } catch (RuntimeException notJson) {
                    // shown as rendered
                }
                b.append("<pre class=\"body\" aria-label=\"Mapper output\">").append(Html.text(body)).append("</pre>");
            }
            b.append("</section>");
        }
        c.show(r, "Route preview", "/console/mail", b.toString());
    }
}
