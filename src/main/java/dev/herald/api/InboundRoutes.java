package dev.herald.api;

import dev.herald.inbound.CallbackRequest;
import dev.herald.inbound.InboundService;
import dev.herald.inbound.InboundSource;
import dev.herald.inbound.InboundSources;
import dev.herald.projects.Principal;
import dev.herald.projects.Role;
import dev.herald.util.Ids;
import dev.herald.util.Json;
import dev.herald.util.JsonBody;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Provider callbacks: {@code /api/v1/inbound-sources} (CLIENT_ADMIN; VIEWER may read), the normalised
 * {@code /api/v1/message-statuses}, and the callback endpoint {@code /inbound/{id}} itself, which takes no
 * API key: the provider's signature is its authentication.
 */
final class InboundRoutes {
    private final InboundSources sources;
    private final InboundService inbound;
    private final int maxBodyBytes;

    InboundRoutes(InboundSources sources, InboundService inbound, int maxBodyBytes) {
        this.sources = sources;
        this.inbound = inbound;
        this.maxBodyBytes = maxBodyBytes;
    }

    void register(RoutesConfig r) {
        r.get("/api/v1/inbound-sources", ctx -> {
            Principal p = Http.require(ctx, Role.CLIENT_ADMIN, Role.VIEWER);
            ObjectNode page = Json.object();
            ArrayNode data = page.putArray("data");
            for (InboundSource s : sources.list(p.projectId())) data.add(view(s));
            Http.json(ctx, 200, page);
        });
        r.post("/api/v1/inbound-sources", ctx -> {
            Principal p = Http.require(ctx, Role.CLIENT_ADMIN);
            InboundSources.Created c = sources.create(p.projectId(), JsonBody.parse(ctx.body(), InboundSources.FIELDS));
            ObjectNode v = view(c.source());
            if (!c.generated().isEmpty()) {
                ObjectNode shown = v.putObject("credentials");
                c.generated().forEach(shown::put);
            }
            Http.json(ctx, 201, v);
        });
        r.get("/api/v1/inbound-sources/{id}", ctx -> {
            Principal p = Http.require(ctx, Role.CLIENT_ADMIN, Role.VIEWER);
            Http.json(ctx, 200, view(sources.get(p.projectId(), Http.id(ctx))));
        });
        r.patch("/api/v1/inbound-sources/{id}", ctx -> {
            Principal p = Http.require(ctx, Role.CLIENT_ADMIN);
            Http.json(ctx, 200, view(sources.update(p.projectId(), Http.id(ctx), JsonBody.parse(ctx.body(), InboundSources.FIELDS))));
        });
        r.delete("/api/v1/inbound-sources/{id}", ctx -> {
            Principal p = Http.require(ctx, Role.CLIENT_ADMIN);
            sources.delete(p.projectId(), Http.id(ctx));
            ctx.status(204);
        });
        r.get("/api/v1/inbound-sources/{id}/requests", ctx -> {
            Principal p = Http.require(ctx, Role.CLIENT_ADMIN, Role.VIEWER);
            Http.json(ctx, 200, inbound.requests(p.projectId(), Http.id(ctx), cursor(ctx), Http.limit(ctx)));
        });
        r.get("/api/v1/message-statuses", ctx -> {
            Principal p = Http.require(ctx, Role.CLIENT_ADMIN, Role.VIEWER);
            Http.json(ctx, 200, inbound.statuses(p.projectId(), new InboundService.StatusFilter(ctx.queryParam("provider_message_id"),
                    ctx.queryParam("recipient"), ctx.queryParam("status"), ctx.queryParam("cursor"), Http.limit(ctx))));
        });
        r.post("/inbound/{id}", ctx -> {
            CallbackRequest req = request(ctx);
            if (req == null) return;
            answer(ctx, inbound.receive(Http.id(ctx), req));
        });
        r.get("/inbound/{id}", ctx -> {
            CallbackRequest req = request(ctx);
            if (req == null) return;
            if (inbound.takesCallbacksByGet(Http.id(ctx))) {
                answer(ctx, inbound.receive(Http.id(ctx), req));
                return;
            }
            StringBuilder answer = new StringBuilder();
            InboundService.Result res = inbound.handshake(Http.id(ctx), req, answer);
            switch (res.outcome()) {
                case NOT_FOUND -> Http.json(ctx, 404, Http.error("not_found", "no such inbound source or handshake", null));
                case REJECTED -> Http.json(ctx, 403, Http.error("handshake_refused", "the handshake was refused: " + res.reason(), null));
                case ACCEPTED -> ctx.status(200).contentType("text/plain; charset=utf-8").result(answer.toString());
            }
        });
    }

    /** The answer to a callback: its counts once committed, 401 when it could not be verified. */
    private static void answer(Context ctx, InboundService.Result res) {
        switch (res.outcome()) {
            case NOT_FOUND -> Http.json(ctx, 404, Http.error("not_found", "no such inbound source", null));
            case REJECTED -> Http.json(ctx, 401, Http.error("signature_invalid", "the callback could not be verified: " + res.reason(), null));
            case ACCEPTED -> {
                ObjectNode n = Json.object();
                n.put("statuses", res.statuses());
                n.put("duplicates", res.duplicates());
                Http.json(ctx, 200, n);
            }
        }
    }

    /** The callback as the provider sent it; null (and a 413 written) when the body is over the limit. */
    private CallbackRequest request(Context ctx) {
        long declared = ctx.req().getContentLengthLong();
        if (declared > maxBodyBytes) {
            Http.json(ctx, 413, Http.error("payload_too_large", "callback bodies are limited to " + maxBodyBytes + " bytes", null));
            return null;
        }
        byte[] body = ctx.bodyAsBytes();
        if (body.length > maxBodyBytes) {
            Http.json(ctx, 413, Http.error("payload_too_large", "callback bodies are limited to " + maxBodyBytes + " bytes", null));
            return null;
        }
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (String name : Collections.list(ctx.req().getHeaderNames())) headers.put(name, new ArrayList<>(Collections.list(ctx.req().getHeaders(name))));
        String query = ctx.queryString();
        String id = Http.id(ctx).toLowerCase(java.util.Locale.ROOT);
        String url = (Ids.isUuid(id) ? sources.callbackUrl(id) : "") + (query == null ? "" : "?" + query);
        return new CallbackRequest(ctx.method().name(), url, headers, body, ctx.ip());
    }

    private ObjectNode view(InboundSource s) {
        ObjectNode n = Json.object();
        n.put("id", s.id());
        n.put("name", s.name());
        n.put("provider", s.provider());
        n.put("callback_url", sources.callbackUrl(s.id()));
        n.set("options", Json.MAPPER.valueToTree(s.options()));
        n.put("created_at", Instant.ofEpochMilli(s.createdAt()).toString());
        n.put("updated_at", Instant.ofEpochMilli(s.updatedAt()).toString());
        return n;
    }

    private static String cursor(Context ctx) {
        String c = ctx.queryParam("cursor");
        if (c != null && !Ids.isUuid(c)) throw ApiException.invalid("cursor", "'cursor' must be the next_cursor of a previous page");
        return c;
    }
}
