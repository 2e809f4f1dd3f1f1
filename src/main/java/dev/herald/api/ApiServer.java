package dev.herald.api;

import dev.herald.connections.ConnectionService;
import dev.herald.customeremail.CustomerEmailService;
import dev.herald.delivery.DeliveryService;
import dev.herald.email.EmailService;
import dev.herald.email.TemplateService;
import dev.herald.inbound.InboundService;
import dev.herald.inbound.InboundSources;
import dev.herald.mail.AttachmentUrls;
import dev.herald.mail.Endpoints;
import dev.herald.mail.MailDomains;
import dev.herald.mail.MailIntake;
import dev.herald.mail.MailMemory;
import dev.herald.mail.MailMessages;
import dev.herald.mail.Routes;
import dev.herald.metrics.Metrics;
import dev.herald.projects.ApiKeys;
import dev.herald.store.Database;
import dev.herald.store.StoreException;
import dev.herald.util.Json;
import dev.herald.util.Problem;
import dev.herald.webhooks.EventService;
import dev.herald.webhooks.WebhookService;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.router.Endpoint;
import jakarta.servlet.DispatcherType;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The HTTP API on Javalin (Jetty 12, virtual threads). Every error leaves as
 * {@code {"error": {"code", "message", "field"?}}}, including those Jetty answers before a route runs
 * ({@link JsonErrorHandler}); an unexpected exception is a logged 500 without internals, a database
 * outage a 503. What clients get wrong is logged at most once a minute per kind ({@link ClientErrorLog}),
 * never with a stack trace.
 */
public final class ApiServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ApiServer.class);

    /** What the routes need. */
    public record Services(Database db, ApiKeys keys, WebhookService webhooks, EventService events, DeliveryService deliveries,
                           ConnectionService connections, CustomerEmailService customerEmails,
                           Metrics metrics, int maxEventBytes, EmailService emails, TemplateService templates,
                           InboundSources inboundSources, InboundService inbound, int maxInboundBytes, Mail mail) {}

    /** What the inbound-mail routes need. */
    public record Mail(MailDomains domains, Endpoints endpoints, Routes routes, MailIntake intake, MailMessages messages, AttachmentUrls urls,
                       int maxMessageBytes, MailMemory memory) {}

    /** Bodies up to this size are always accepted, whatever HERALD_MAX_EVENT_SIZE_BYTES says (templates, connections). */
    private static final long MIN_BODY_LIMIT = 1 << 20;
    /** At most one log line per kind of client error this often. */
    static final Duration CLIENT_ERROR_LOG_EVERY = Duration.ofMinutes(1);
    private static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");

    private final Javalin app;

    private ApiServer(Javalin app) {
        this.app = app;
    }

    /** The operational endpoints alone (/healthz, /readyz, /metrics), for a worker process. */
    public static ApiServer opsOnly(Database db, Metrics metrics, String host, int port) {
        return new ApiServer(Javalin.create(cfg -> {
            ClientErrorLog clientErrors = new ClientErrorLog(Clock.systemUTC(), CLIENT_ERROR_LOG_EVERY);
            common(cfg, host, port, path -> MIN_BODY_LIMIT, metrics, clientErrors);
            opsRoutes(cfg.routes, db, metrics);
            errors(cfg.routes, clientErrors, null);
        }));
    }

    private static void opsRoutes(RoutesConfig r, Database db, Metrics metrics) {
        r.get("/healthz", ctx -> {
            ObjectNode n = Json.object();
            n.put("status", "ok");
            Http.json(ctx, 200, n);
        });
        r.get("/readyz", ctx -> {
            if (db.ping()) {
                ObjectNode n = Json.object();
                n.put("status", "ready");
                Http.json(ctx, 200, n);
            } else {
                ctx.header("Retry-After", "5");
                Http.json(ctx, 503, Http.error("database_unavailable", "the database cannot be reached", null));
            }
        });
        r.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape()));
    }

    /**
     * The API on {@code host:port}; {@code pages} register the browser pages (the review page) that the
     * composition root hands over, on the same server and behind the same error handling.
     */
    public ApiServer(Services s, String host, int port, List<Consumer<RoutesConfig>> pages) {
        this.app = Javalin.create(cfg -> {
            ClientErrorLog clientErrors = new ClientErrorLog(Clock.systemUTC(), CLIENT_ERROR_LOG_EVERY);
            long maxBody = Math.max(Math.max(s.maxEventBytes(), s.maxInboundBytes()), MIN_BODY_LIMIT) + 1024L;
            // The HTTP inbox takes whole messages (HERALD_MAIL_MAX_MESSAGE_SIZE_BYTES); every other route keeps the smaller limit.
            long maxMail = Math.max(maxBody, s.mail().maxMessageBytes() + 1024L);
            common(cfg, host, port, path -> path.equals(MailRoutes.INBOX) ? maxMail : maxBody, s.metrics(), clientErrors);
            var r = cfg.routes;
            r.before("/api/*", ctx -> {
                // The contract and its rendered reference are public: they describe the API, they do not use it.
                if (OpenApiRoutes.isPublic(ctx.path())) return;
                Credentials.authenticate(ctx, s.keys());
                Http.checkRequest(ctx);
            });
            opsRoutes(r, s.db(), s.metrics());
            new OpenApiRoutes().register(r);
            new KeyRoutes(s.keys()).register(r);
            new WebhookRoutes(s.webhooks()).register(r);
            new EventRoutes(s.events(), s.deliveries(), s.maxEventBytes(), s.keys()).register(r);
            new DeliveryRoutes(s.deliveries()).register(r);
            new ConnectionRoutes(s.connections()).register(r);
            new CustomerEmailRoutes(s.customerEmails(), s.deliveries()).register(r);
            pages.forEach(p -> p.accept(r));
            new InboundRoutes(s.inboundSources(), s.inbound(), s.maxInboundBytes()).register(r);
            new EmailRoutes(s.emails(), s.templates(), s.deliveries(), s.inbound(), s.maxEventBytes()).register(r);
            new MailRoutes(s.mail(), s.keys()).register(r);
            errors(r, clientErrors, s.keys());
        });
    }

    /**
     * What every server shares: virtual threads, the body limit, Jetty's own errors as JSON, and one
     * request metric per answered request, by route template.
     */
    private static void common(JavalinConfig cfg, String host, int port, java.util.function.ToLongFunction<String> maxBody, Metrics metrics,
                               ClientErrorLog clientErrors) {
        cfg.startup.showJavalinBanner = false;
        cfg.startup.showOldJavalinVersionWarning = false;
        cfg.concurrency.useVirtualThreads = true;
        // BodyLimit enforces the limit (Javalin's own logs a WARN line per oversized body).
        cfg.http.maxRequestSize = Long.MAX_VALUE;
        cfg.jetty.host = host;
        cfg.jetty.port = port;
        JsonErrorHandler jettyErrors = new JsonErrorHandler(clientErrors);
        cfg.jetty.modifyServer(server -> server.setErrorHandler(jettyErrors));
        cfg.jetty.modifyServletContextHandler(h -> {
            h.setErrorHandler(jettyErrors);
            h.addFilter(new FilterHolder(new BodyLimit(maxBody)), "/*", EnumSet.of(DispatcherType.REQUEST));
        });
        cfg.requestLogger.http((ctx, ms) -> {
            Endpoint e = ctx.endpoints().matchedHttpEndpoint();
            String route = e == null ? "unmatched" : e.path;
            String method = METHODS.contains(ctx.method().name()) ? ctx.method().name() : "OTHER";
            int status = ctx.statusCode();
            metrics.apiRequest(route, method, status, Duration.ofNanos((long) (ms * 1_000_000)));
            if (status == 202 && "POST".equals(method) && "/api/v1/events".equals(route) && ctx.res().getHeader("Idempotent-Replayed") == null) {
                metrics.eventAccepted();
            }
        });
    }

    /**
     * Every exception a route can raise, as the documented JSON error; nothing a client did is logged with a
     * stack trace. {@code keys} (null on a worker's ops-only server) reads a recalled key again before a refusal.
     */
    private static void errors(RoutesConfig r, ClientErrorLog clientErrors, ApiKeys keys) {
        r.exception(Problem.class, (e, ctx) -> {
            if (!refusedAsRevoked(ctx, keys, clientErrors)) Http.json(ctx, Http.status(e.kind()), Http.error(e.code(), e.getMessage(), e.field()));
        });
        r.exception(ApiException.class, (e, ctx) -> {
            if (e.status() == 401) unauthorized(ctx, e.getMessage(), clientErrors);
            else if (!refusedAsRevoked(ctx, keys, clientErrors)) Http.json(ctx, e.status(), Http.error(e.code(), e.getMessage(), e.field()));
        });
        r.exception(ApiKeys.KeyNotActive.class, (e, ctx) -> unauthorized(ctx, Credentials.NOT_VALID, clientErrors));
        r.exception(BodyLimit.TooLarge.class, (e, ctx) -> {
            if (!refusedAsRevoked(ctx, keys, clientErrors)) tooLarge(ctx, e, clientErrors);
        });
        r.exception(StoreException.class, (e, ctx) -> unavailable(ctx, e));
        r.exception(HttpResponseException.class, (e, ctx) -> Http.json(ctx, e.getStatus(),
                Http.error(JsonErrorHandler.code(e.getStatus()), e.getMessage(), null)));
        r.exception(Exception.class, (e, ctx) -> {
            for (Throwable c = e; c != null; c = c.getCause()) {
                if (c instanceof StoreException se) {
                    unavailable(ctx, se);
                    return;
                }
                if (c instanceof BodyLimit.TooLarge t) {
                    tooLarge(ctx, t, clientErrors);
                    return;
                }
            }
            log.error("unexpected error on {} {}", ctx.method(), ctx.path(), e);
            Http.json(ctx, 500, Http.error("internal", "internal error", null));
        });
        r.error(404, ctx -> {
            if (ctx.result() == null || ctx.result().isEmpty()) Http.json(ctx, 404, Http.error("not_found", "no such route: " + ctx.method() + " " + ctx.path(), null));
        });
        r.error(405, ctx -> {
            if (ctx.result() == null || ctx.result().isEmpty()) Http.json(ctx, 405, Http.error("method_not_allowed", "method not allowed", null));
        });
    }

    /**
     * Before a refusal of a request whose key was recalled, not read: answers 401 instead, and says so, when the key
     * was revoked meanwhile ({@link Credentials#revokedMeanwhile}); otherwise the caller answers its own refusal.
     */
    private static boolean refusedAsRevoked(Context ctx, ApiKeys keys, ClientErrorLog clientErrors) {
        if (!Credentials.revokedMeanwhile(ctx, keys)) return false;
        unauthorized(ctx, Credentials.NOT_VALID, clientErrors);
        return true;
    }

    private static void unauthorized(Context ctx, String message, ClientErrorLog clientErrors) {
        ctx.header("WWW-Authenticate", Credentials.CHALLENGE);
        clientErrors.note("unauthorized", message + ": " + ctx.method() + " " + ctx.path() + " from " + ctx.ip());
        Http.json(ctx, 401, Http.error("unauthorized", message, null));
    }

    private static void tooLarge(Context ctx, BodyLimit.TooLarge e, ClientErrorLog clientErrors) {
        clientErrors.note("payload_too_large", ctx.method() + " " + ctx.path() + " from " + ctx.ip() + ": " + e.getMessage());
        Http.json(ctx, 413, Http.error("payload_too_large", e.getMessage(), null));
    }

    private static void unavailable(Context ctx, StoreException e) {
        log.warn("database unavailable for {} {}: {}", ctx.method(), ctx.path(), e.getMessage());
        ctx.header("Retry-After", "5");
        Http.json(ctx, 503, Http.error("database_unavailable", "the database is unavailable; retry shortly", null));
    }

    /**
     * Every HTTP route this server answers, as {@code "METHOD /path/{param}"} in the order registered
     * (before and after handlers left out): what the OpenAPI document is checked against.
     */
    public List<String> routes() {
        return app.unsafe.internalRouter.allHttpHandlers().stream()
                .map(e -> e.endpoint)
                .filter(e -> e.method.isHttpMethod())
                .map(e -> e.method.name() + " " + e.path)
                .toList();
    }

    public ApiServer start() {
        app.start();
        return this;
    }

    public int port() {
        return app.port();
    }

    @Override
    public void close() {
        app.stop();
    }
}
