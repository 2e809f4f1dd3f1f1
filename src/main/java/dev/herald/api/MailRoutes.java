package dev.herald.api;

import dev.herald.mail.AttachmentUrls;
import dev.herald.mail.Endpoint;
import dev.herald.mail.Endpoints;
import dev.herald.mail.Envelope;
import dev.herald.mail.MailDomains;
import dev.herald.mail.MailMessages;
import dev.herald.mail.Route;
import dev.herald.mail.Routes;
import dev.herald.projects.ApiKeys;
import dev.herald.projects.Principal;
import dev.herald.projects.Role;
import dev.herald.util.Addresses;
import dev.herald.util.Json;
import dev.herald.util.JsonBody;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Inbound mail: domains, endpoints and routes (CLIENT_ADMIN; VIEWER may read), the HTTP inbox
 * {@code POST /api/v1/messages} (raw {@code message/rfc822}; PUBLISHER or CLIENT_ADMIN), received
 * messages, and attachments: the pre-signed URL request (also under the seed's {@code /v1/...} path,
 * with an API key) and the pre-signed URL itself, which needs no key: its signature is the right to it.
 */
final class MailRoutes {
    static final String RFC822 = "message/rfc822";
    /** The HTTP inbox's path: its body limit is the mail size limit, not the API's. */
    static final String INBOX = "/api/v1/messages";
    private static final Role[] READERS = {Role.CLIENT_ADMIN, Role.VIEWER};

    private final ApiServer.Mail s;
    private final ApiKeys keys;

    MailRoutes(ApiServer.Mail s, ApiKeys keys) {
        this.s = s;
        this.keys = keys;
    }

    void register(RoutesConfig r) {
        domains(r);
        endpoints(r);
        routes(r);
        messages(r);
        attachments(r);
    }

    private void domains(RoutesConfig r) {
        r.get("/api/v1/mail-domains", ctx -> {
            Principal p = Http.require(ctx, READERS);
            ObjectNode page = Json.object();
            ArrayNode data = page.putArray("data");
            for (MailDomains.Domain d : s.domains().list(p.projectId())) data.add(d.json());
            Http.json(ctx, 200, page);
        });
        r.post("/api/v1/mail-domains", ctx -> {
            Principal p = Http.require(ctx, Role.CLIENT_ADMIN);
            Http.json(ctx, 201, s.domains().create(p.projectId(), JsonBody.parse(ctx.body(), MailDomains.FIELDS)).json());
        });
        r.delete("/api/v1/mail-domains/{id}", ctx -> {
            Principal p = Http.require(ctx, Role.CLIENT_ADMIN);
            s.domains().delete(p.projectId(), Http.id(ctx));
            ctx.status(204);
        });
    }

    private void endpoints(RoutesConfig r) {
        r.get("/api/v1/endpoints", ctx -> {
            Principal p = Http.require(ctx, READERS);
            ObjectNode page = Json.object();
            ArrayNode data = page.putArray("data");
            for (Endpoint e : s.endpoints().list(p.projectId())) data.add(e.json());
            Http.json(ctx, 200, page);
        });
        r.post("/api/v1/endpoints", ctx -> {
            Principal p = Http.require(ctx, Role.CLIENT_ADMIN);
            Endpoints.WithSecret c = s.endpoints().create(p.projectId(), JsonBody.parse(ctx.body(), Endpoints.FIELDS));
            ObjectNode v = c.endpoint().json();
            v.put("secret", c.secret());
            Http.json(ctx, 201, v);
        });
        r.get("/api/v1/endpoints/{id}", ctx -> {
            Principal p = Http.require(ctx, READERS);
            Http.json(ctx, 200, s.endpoints().get(p.projectId(), Http.id(ctx)).json());
        });
        r.patch("/api/v1/endpoints/{id}", ctx -> {
            Principal p = Http.require(ctx, Role.CLIENT_ADMIN);
            Http.json(ctx, 200, s.endpoints().update(p.projectId(), Http.id(ctx), JsonBody.parse(ctx.body(), Endpoints.FIELDS)).json());
        });
        r.delete("/api/v1/endpoints/{id}", ctx -> {
            Principal p = Http.require(ctx, Role.CLIENT_ADMIN);
            s.endpoints().delete(p.projectId(), Http.id(ctx));
            ctx.status(204);
        });
        r.post("/api/v1/endpoints/{id}/rotate-secret", ctx -> {
            Principal p = Http.require(ctx, Role.CLIENT_ADMIN);
            Endpoints.WithSecret c = s.endpoints().rotate(p.projectId(), Http.id(ctx), JsonBody.parseOptional(ctx.body(), Set.of("grace_period")));
            ObjectNode v = c.endpoint().json();
            v.put("secret", c.secret());
            Http.json(ctx, 200, v);
        });
    }

    private void routes(RoutesConfig r) {
        r.get("/api/v1/routes", ctx -> {
            Principal p = Http.require(ctx, READERS);
            ObjectNode page = Json.object();
            ArrayNode data = page.putArray("data");
            for (Route x : s.routes().list(p.projectId())) data.add(x.json());
            Http.json(ctx, 200, page);
        });
        r.post("/api/v1/routes", ctx -> {
            Principal p = Http.require(ctx, Role.CLIENT_ADMIN);
            Http.json(ctx, 201, s.routes().create(p.projectId(), JsonBody.parse(ctx.body(), Routes.FIELDS)).json());
        });
        r.get("/api/v1/routes/{id}", ctx -> {
            Principal p = Http.require(ctx, READERS);
            Http.json(ctx, 200, s.routes().get(p.projectId(), Http.id(ctx)).json());
        });
        r.patch("/api/v1/routes/{id}", ctx -> {
            Principal p = Http.require(ctx, Role.CLIENT_ADMIN);
            Http.json(ctx, 200, s.routes().update(p.projectId(), Http.id(ctx), JsonBody.parse(ctx.body(), Routes.FIELDS)).json());
        });
        r.delete("/api/v1/routes/{id}", ctx -> {
            Principal p = Http.require(ctx, Role.CLIENT_ADMIN);
            s.routes().delete(p.projectId(), Http.id(ctx));
            ctx.status(204);
        });
    }

    private void messages(RoutesConfig r) {
        r.post(INBOX, ctx -> {
            Principal p = Http.require(ctx, Role.PUBLISHER, Role.CLIENT_ADMIN);
            String type = ctx.header("Content-Type");
            if (type == null || !type.toLowerCase(Locale.ROOT).startsWith(RFC822)) {
                throw new ApiException(415, "unsupported_media_type", "the inbox takes raw mail: Content-Type: message/rfc822", "Content-Type");
            }
            long declared = ctx.req().getContentLengthLong();
            if (declared > s.maxMessageBytes()) throw tooLarge(declared);
            // Charged to the memory budget shared with SMTP before the body is read (the most it may be, when not declared).
            long charge = declared >= 0 ? declared : s.maxMessageBytes();
            if (!s.memory().take(charge)) {
                ctx.header("Retry-After", "5");
                throw new ApiException(503, "mail_busy", "too much mail is being received at once; send this message again in a few seconds", null);
            }
            try {
                inbox(ctx, p);
            } finally {
                s.memory().give(charge);
            }
        });
        r.get("/api/v1/messages", ctx -> {
            Principal p = Http.require(ctx, READERS);
            Http.json(ctx, 200, s.messages().list(p.projectId(), new MailMessages.Filter(ctx.queryParam("message_id"), ctx.queryParam("from"),
                    ctx.queryParam("rcpt_to"), ctx.queryParam("subject"), Http.time(ctx, "since"), Http.time(ctx, "until"),
                    Optional.ofNullable(ctx.queryParam("cursor")).map(Http::idOrName).orElse(null), Http.limit(ctx))));
        });
        r.get("/api/v1/messages/{id}", ctx -> {
            Principal p = Http.require(ctx, READERS);
            Http.json(ctx, 200, s.messages().get(p.projectId(), Http.id(ctx)));
        });
        r.get("/api/v1/messages/{id}/raw", ctx -> {
            Principal p = Http.require(ctx, READERS);
            byte[] raw = s.messages().raw(p.projectId(), Http.id(ctx));
            ctx.header("X-Content-Type-Options", "nosniff");
            ctx.status(200).contentType(RFC822).result(raw);
        });
        r.post("/api/v1/messages/{id}/replay", ctx -> {
            Principal p = Http.require(ctx, Role.CLIENT_ADMIN);
            JsonBody.parseOptional(ctx.body(), Set.of());
            String id = Http.id(ctx);
            s.messages().get(p.projectId(), id);
            ObjectNode n = Json.object();
            n.put("deliveries", s.intake().replay(p.projectId(), id));
            Http.json(ctx, 202, n);
        });
    }

    private void attachments(RoutesConfig r) {
        // The seed's path lives outside /api: authenticate it the same way.
        r.before("/v1/messages/*", ctx -> {
            Credentials.authenticate(ctx, keys);
            Http.checkRequest(ctx);
        });
        for (String prefix : List.of("/v1", "/api/v1")) {
            r.get(prefix + "/messages/{message_id}/attachments/{attachment_id}/url", ctx -> {
                Principal p = Http.require(ctx, Role.CLIENT_ADMIN, Role.VIEWER, Role.PUBLISHER);
                MailMessages.AttachmentInfo a = s.messages().attachment(p.projectId(), ctx.pathParam("message_id"),
                        ctx.pathParam("attachment_id").toLowerCase(Locale.ROOT));
                AttachmentUrls.Signed u = s.urls().sign(a.id());
                ObjectNode n = Json.object();
                n.put("url", u.url());
                n.put("expires_at", u.expiresAt().toString());
                n.put("method", "GET");
                n.putObject("headers");
                Http.json(ctx, 200, n);
            });
        }
        r.get(AttachmentUrls.PATH + "{id}", ctx -> {
            String id = ctx.pathParam("id").toLowerCase(Locale.ROOT);
            if (!s.urls().verify(id, ctx.queryParam("expires"), ctx.queryParam("signature"))) {
                Http.json(ctx, 403, Http.error("url_invalid", "this attachment URL is expired, altered or not Herald's; request a new one", null));
                return;
            }
            MailMessages.Content c = s.messages().content(id).orElse(null);
            if (c == null) {
                Http.json(ctx, 404, Http.error("not_found", "attachment not found (it may have passed its retention)", null));
                return;
            }
            ctx.header("X-Content-Type-Options", "nosniff");
            ctx.header("Cache-Control", "private, no-store");
            ctx.header("Content-Security-Policy", "sandbox; default-src 'none'");
            ctx.header("Content-Disposition", "attachment; filename*=UTF-8''" + URLEncoder.encode(c.filename(), StandardCharsets.UTF_8).replace("+", "%20"));
            ctx.status(200).contentType(c.contentType()).result(c.bytes());
        });
    }

    /** The inbox after its memory is charged: read, check and store the message. */
    private void inbox(Context ctx, Principal p) {
        byte[] raw = ctx.bodyAsBytes();
        if (raw.length > s.maxMessageBytes()) throw tooLarge(raw.length);
        if (raw.length == 0) throw ApiException.invalid("body", "the body must be a raw MIME message (message/rfc822)");
        List<String> rcpts = new ArrayList<>();
        for (String a : ctx.queryParams("rcpt_to")) rcpts.add(address(a, "rcpt_to"));
        if (rcpts.size() > 100) throw ApiException.invalid("rcpt_to", "at most 100 'rcpt_to' parameters");
        String mailFrom = Optional.ofNullable(ctx.queryParam("mail_from")).map(a -> a.isEmpty() ? "" : address(a, "mail_from")).orElse(null);
        Envelope env = new Envelope(mailFrom, List.copyOf(rcpts), ctx.ip(), null, "https".equals(ctx.scheme()), "http");
        Http.json(ctx, 202, s.intake().receive(p.projectId(), env, raw).json());
    }

    private ApiException tooLarge(long n) {
        return new ApiException(413, "payload_too_large", "the message is " + n + " bytes; the limit is " + s.maxMessageBytes()
                + " (HERALD_MAIL_MAX_MESSAGE_SIZE_BYTES)", null);
    }

    private static String address(String a, String field) {
        try {
            return Addresses.parse(a).address().toLowerCase(Locale.ROOT);
        } catch (RuntimeException e) {
            throw ApiException.invalid(field, "'" + field + "' must be an email address");
        }
    }
}
