package dev.herald.ui;

import dev.herald.delivery.Activity;
import dev.herald.delivery.DeliveryService;
import dev.herald.email.EmailService;
import dev.herald.inbound.InboundService;
import dev.herald.inbound.InboundSources;
import dev.herald.mail.Endpoints;
import dev.herald.mail.MailDomains;
import dev.herald.mail.MailIntake;
import dev.herald.mail.MailMessages;
import dev.herald.mail.Routes;
import dev.herald.projects.ApiKeys;
import dev.herald.projects.Role;
import dev.herald.webhooks.WebhookService;
import dev.herald.util.Problem;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The operator console at {@code /console}: server-rendered pages over the same domain services the
 * API routes call. Sign-in with an API key (CLIENT_ADMIN or VIEWER) starts a cookie session
 * ({@link ReviewSessions#console}); every change is a POST form that must carry the session's CSRF token
 * and come from Herald's own origin, and only a CLIENT_ADMIN may change anything (a VIEWER's POST is a
 * 403, and the pages do not show them change controls). Pages send a strict CSP: stylesheet and one
 * script from {@code /console/assets}, nothing inline, nothing from elsewhere.
 *
 * <p>Every POST route is declared in {@link #POSTS} through {@link #change} or {@link #signInOut}, so
 * the session, CSRF, origin and role checks cannot be forgotten on one of them; the tests walk that list.
 */
public final class Console {
    static final String CSP = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; connect-src 'self'; "
            + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
    static final String ASSETS = "/console/assets/";
    /** Where the rendered API reference is served (linked from every page). */
    public static final String API_DOCS = "/api/docs";

    /** A signed-in request: the context, who, and whether they may change things. */
    record Req(Context ctx, ReviewSessions.Reviewer who) {
        String project() {
            return who.principal().projectId();
        }

        boolean admin() {
            return who.principal().role() == Role.CLIENT_ADMIN;
        }

        String csrf() {
            return who.csrf();
        }
    }

    /** A page handler of a signed-in request. */
    interface View {
        void handle(Req r) throws Exception;
    }

    /** A POST route of the console; {@code admin} false only for sign-in and sign-out. */
    record Post(String path, boolean admin) {}

    /** Every POST route any console registered (paths are constants, so this is the console's list). */
    private static final Set<Post> POSTS = ConcurrentHashMap.newKeySet();

    /** What the console's pages call: the same domain services as the API routes. */
    public record Services(WebhookService webhooks, DeliveryService deliveries, Activity activity, ApiKeys keys, EmailService emails, InboundSources inboundSources,
                           InboundService inbound, MailDomains domains, Endpoints endpoints, Routes routes, MailMessages messages,
                           MailIntake intake) {}

    private final ReviewSessions sessions;
    private final List<ConsoleSection> sections;
    private final String apiDocs;

    /**
     * @param sessions the console's sessions ({@link ReviewSessions#console})
     * @param apiDocs  the path of the rendered API reference, linked from every page
     */
    public Console(Services s, ReviewSessions sessions, String apiDocs) {
        this.sessions = sessions;
        this.apiDocs = apiDocs;
        this.sections = List.of(new ConsoleOverview(s), new ConsoleWebhooks(s), new ConsoleDeliveries(s), new ConsoleKeys(s), new ConsoleMail(s));
    }

    /** The POST routes registered so far (for the tests that check each one refuses what it must). */
    static List<Post> posts() {
        return POSTS.stream().sorted(java.util.Comparator.comparing(Post::path)).toList();
    }

    public void register(RoutesConfig r) {
        r.before("/console*", Console::securityHeaders);
        r.get(ASSETS + "console.css", ctx -> asset(ctx, "console.css", "text/css; charset=utf-8"));
        r.get(ASSETS + "console.js", ctx -> asset(ctx, "console.js", "text/javascript; charset=utf-8"));
        r.get("/console/sign-in", this::signInForm);
        signInOut(r, "/console/sign-in", this::signIn);
        signInOut(r, "/console/sign-out", this::signOut);
        r.get(ReviewSessions.LINK_PATH, this::linkPage);
        signInOut(r, ReviewSessions.LINK_PATH, this::linkSignIn);
        for (ConsoleSection s : sections) s.register(r, this);
    }

    static void securityHeaders(Context ctx) {
        ctx.header("Content-Security-Policy", CSP);
        ctx.header("X-Frame-Options", "DENY");
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Referrer-Policy", "same-origin");
        ctx.header("Cache-Control", "no-store");
    }

    private static void asset(Context ctx, String name, String type) {
        try (InputStream in = Console.class.getResourceAsStream("/console/" + name)) {
            if (in == null) throw new IllegalStateException("missing console asset " + name);
            ctx.header("Cache-Control", "no-cache");
            ctx.contentType(type).result(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- routes through which sections register ----

    /** A page anyone signed in may see. */
    void page(RoutesConfig r, String path, View v) {
        r.get(path, ctx -> {
            Optional<ReviewSessions.Reviewer> who = sessions.current(ctx.cookie(ReviewSessions.CONSOLE_COOKIE));
            if (who.isEmpty()) {
                ctx.redirect("/console/sign-in", HttpStatus.SEE_OTHER);
                return;
            }
            run(new Req(ctx, who.get()), v);
        });
    }

    /**
     * A change: signed in, the session's CSRF token in the form, no foreign Origin, and a CLIENT_ADMIN key;
     * a refused one is a 403 page and changes nothing. A domain refusal is shown with the API's status.
     */
    void change(RoutesConfig r, String path, View v) {
        POSTS.add(new Post(path, true));
        r.post(path, ctx -> {
            Optional<ReviewSessions.Reviewer> who = sessions.current(ctx.cookie(ReviewSessions.CONSOLE_COOKIE));
            if (who.isEmpty()) {
                if (!sameOrigin(ctx)) {
                    refuse(ctx, null, "This form must be sent from Herald's own pages.");
                    return;
                }
                ctx.redirect("/console/sign-in", HttpStatus.SEE_OTHER);
                return;
            }
            Req req = new Req(ctx, who.get());
            if (!checkForm(ctx, who.get())) {
                refuse(ctx, req, "This action was refused because it did not come from this console (missing or wrong form token, or another site). "
                        + "Reload the page and try again.");
                return;
            }
            if (!req.admin()) {
                refuse(ctx, req, "Your key's role " + who.get().principal().role() + " can look but not change anything; that needs a CLIENT_ADMIN key.");
                return;
            }
            run(req, v);
        });
    }

    private void signInOut(RoutesConfig r, String path, io.javalin.http.Handler h) {
        POSTS.add(new Post(path, false));
        r.post(path, h);
    }

    private void run(Req r, View v) throws Exception {
        try {
            v.handle(r);
        } catch (Problem e) {
            html(r.ctx(), status(e.kind()), frame(r, "Refused", null,
                    "<h1>That did not work</h1><p class=\"notice bad\" role=\"alert\">" + Html.text(e.getMessage()) + "</p>"
                            + "<p><a href=\"" + Html.esc(back(r.ctx())) + "\">Go back</a></p>"));
        }
    }

    private static String back(Context ctx) {
        String ref = ctx.header("Referer");
        String host = ctx.header("Host");
        if (ref != null && host != null && (ref.startsWith("http://" + host + "/console") || ref.startsWith("https://" + host + "/console"))) return ref;
        return "/console";
    }

    private void refuse(Context ctx, Req r, String message) {
        String body = "<h1>Refused</h1><p class=\"notice bad\" role=\"alert\">" + Html.text(message) + "</p><p><a href=\"/console\">Back to the console</a></p>";
        html(ctx, 403, r == null ? frame(null, "Refused", null, body) : frame(r, "Refused", null, body));
    }

    /** The status a domain refusal is shown with: the same as the API's. */
    static int status(Problem.Kind kind) {
        return switch (kind) {
            case INVALID -> 400;
            case NOT_FOUND -> 404;
            case CONFLICT -> 409;
            case TOO_LARGE -> 413;
            case UNPROCESSABLE -> 422;
        };
    }

    static boolean checkForm(Context ctx, ReviewSessions.Reviewer rv) {
        return sameOrigin(ctx) && ReviewSessions.same(ctx.formParam("csrf"), rv.csrf());
    }

    /** The browser did not announce another origin (Origin, else Sec-Fetch-Site). */
    static boolean sameOrigin(Context ctx) {
        String site = ctx.header("Sec-Fetch-Site");
        if (site != null && !site.equals("same-origin") && !site.equals("none")) return false;
        String origin = ctx.header("Origin");
        if (origin == null) return true;
        String host = ctx.header("Host");
        return host != null && (origin.equals("http://" + host) || origin.equals("https://" + host));
    }

    // ---- sign-in ----

    private void signInForm(Context ctx) {
        if (sessions.current(ctx.cookie(ReviewSessions.CONSOLE_COOKIE)).isPresent()) {
            ctx.redirect("/console", HttpStatus.SEE_OTHER);
            return;
        }
        html(ctx, 200, signInPage("signed_out".equals(ctx.queryParam("notice")) ? "<p class=\"notice ok\" role=\"status\">You are signed out.</p>" : "", null));
    }

    private String signInPage(String notice, String error) {
        return frame(null, "Sign in", null, "<div class=\"signin card\"><h1>Sign in to Herald</h1>" + notice
                + (error == null ? "" : "<p class=\"notice bad\" role=\"alert\">" + Html.text(error) + "</p>")
                + "<form method=\"post\" action=\"/console/sign-in\"><div class=\"field\"><label for=\"api_key\">API key</label>"
                + "<input type=\"password\" id=\"api_key\" name=\"api_key\" autocomplete=\"off\" required autofocus></div>"
                + "<p class=\"hint\">A CLIENT_ADMIN key manages the project; a VIEWER key sees everything and changes nothing. "
                + "The key never leaves this request: the browser keeps only a session cookie.</p>"
                + "<button class=\"primary\" type=\"submit\">Sign in</button></form>"
                + "<p class=\"hint\">Reviewing customer emails? <a href=\"/review\">Use the review page</a>.</p></div>");
    }

    private void signIn(Context ctx) {
        startSession(ctx, () -> sessions.signIn(ctx.formParam("api_key")),
                "That key is not valid here: it must be an active API key with the CLIENT_ADMIN or VIEWER role.");
    }

    /**
     * The POST of a sign-in form (an API key's, a link's): refused from another origin (no login CSRF); else
     * the session {@code start} gives sets its cookies and goes to the overview, or the sign-in page says
     * {@code refusal} (401).
     */
    private void startSession(Context ctx, Supplier<Optional<String>> start, String refusal) {
        if (!sameOrigin(ctx)) {
            html(ctx, 403, signInPage("", "This form must be sent from Herald's own page."));
            return;
        }
        Optional<String> token = start.get();
        if (token.isEmpty()) {
            html(ctx, 401, signInPage("", refusal));
            return;
        }
        ctx.res().addHeader("Set-Cookie", sessions.cookie(token.get()));
        // The same session opens the review page when the key may review (a CLIENT_ADMIN's), so drafts are one click away.
        ReviewSessions review = sessions.review();
        if (review.current(token.get()).isPresent()) ctx.res().addHeader("Set-Cookie", review.cookie(token.get()));
        ctx.redirect("/console", HttpStatus.SEE_OTHER);
    }

    private static final String BAD_LINK = "This sign-in link cannot be used: it was used already, it expired, or its key was revoked. "
            + "Ask an operator for a new one (./herald admin console-link), or sign in with an API key.";

    /**
     * A one-time link from {@code herald admin console-link}: shows whom it signs in as and asks to continue.
     * Opening it uses nothing (a link preview or a prefetch cannot spend it); the button's POST does.
     */
    private void linkPage(Context ctx) {
        String token = ctx.queryParam("token");
        Optional<ReviewSessions.Link> link = sessions.link(token);
        if (link.isEmpty()) {
            html(ctx, 401, signInPage("", BAD_LINK));
            return;
        }
        ReviewSessions.Link l = link.get();
        html(ctx, 200, frame(null, "Sign in", null, "<div class=\"signin card\"><h1>Sign in to Herald</h1>"
                + "<p>This link signs you in to the project <strong>" + Html.text(l.projectName()) + "</strong> as <strong>" + Html.text(l.keyName())
                + "</strong> (" + l.role() + (l.role() == Role.VIEWER ? ": you can look but not change anything" : ": you can manage the project") + ").</p>"
                + "<form method=\"post\" action=\"" + ReviewSessions.LINK_PATH + "\"><input type=\"hidden\" name=\"token\" value=\"" + Html.esc(token) + "\">"
                + "<p class=\"hint\">The link works once: continuing uses it.</p>"
                + "<button class=\"primary\" type=\"submit\" autofocus>Continue to the console</button></form></div>"));
    }

    private void linkSignIn(Context ctx) {
        startSession(ctx, () -> sessions.redeem(ctx.formParam("token")), BAD_LINK);
    }

    private void signOut(Context ctx) {
        String token = ctx.cookie(ReviewSessions.CONSOLE_COOKIE);
        Optional<ReviewSessions.Reviewer> rv = sessions.current(token);
        if (rv.isPresent() && checkForm(ctx, rv.get())) sessions.signOut(token);
        ctx.res().addHeader("Set-Cookie", sessions.clearCookie());
        ctx.redirect("/console/sign-in?notice=signed_out", HttpStatus.SEE_OTHER);
    }

    // ---- the page frame ----

    private static final String[][] NAV = {
            {"/console", "Overview"}, {"/console/webhooks", "Webhooks"}, {"/console/events", "Events"}, {"/console/deliveries", "Deliveries"},
            {"/console/dead-letters", "Dead letters"}, {"/console/emails", "Emails"}, {"/console/inbound", "Inbound sources"},
            {"/console/mail", "Inbound mail"}, {"/console/api-keys", "API keys"}};

    /** A full page: header (who, sign-out), navigation with {@code current} marked, and {@code body}. */
    String frame(Req r, String title, String current, String body) {
        StringBuilder b = new StringBuilder(8192);
        b.append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .append("<title>").append(Html.esc(Html.reveal(title))).append(" · Herald console</title>")
                .append("<link rel=\"stylesheet\" href=\"").append(ASSETS).append("console.css\">")
                .append("<script src=\"").append(ASSETS).append("console.js\" defer></script></head><body>")
                .append("<header class=\"top\"><a class=\"brand\" href=\"/console\">Herald console</a>");
        if (r != null) {
            b.append("<span class=\"who\">").append(Html.text(r.who().name())).append(" · ").append(r.who().principal().role())
                    .append(r.admin() ? "" : " (read only)").append("</span>")
                    .append("<form method=\"post\" action=\"/console/sign-out\">").append(csrfField(r))
                    .append("<button type=\"submit\">Sign out</button></form>");
        }
        b.append("</header>");
        if (r != null) {
            b.append("<nav class=\"main\" aria-label=\"Console\"><ul>");
            for (String[] n : NAV) {
                b.append("<li><a href=\"").append(n[0]).append("\"").append(n[0].equals(current) ? " aria-current=\"page\"" : "").append(">")
                        .append(n[1]).append("</a></li>");
            }
            b.append("<li><a href=\"/review\">Customer-email review</a></li>");
            b.append("<li><a href=\"").append(Html.esc(apiDocs)).append("\">API reference</a></li></ul></nav>");
        }
        return b.append("<main>").append(body).append("</main></body></html>").toString();
    }

    static String csrfField(Req r) {
        return "<input type=\"hidden\" name=\"csrf\" value=\"" + Html.esc(r.csrf()) + "\">";
    }

    /** A one-button POST form (the button's label is its accessible name). */
    static String button(Req r, String action, String label, String cls, Map<String, String> hidden) {
        StringBuilder b = new StringBuilder("<form class=\"inline\" method=\"post\" action=\"").append(Html.esc(action)).append("\">").append(csrfField(r));
        hidden.forEach((k, v) -> b.append("<input type=\"hidden\" name=\"").append(Html.esc(k)).append("\" value=\"").append(Html.esc(v)).append("\">"));
        return b.append("<button type=\"submit\"").append(cls == null ? "" : " class=\"" + cls + "\"").append(">").append(Html.text(label))
                .append("</button></form>").toString();
    }

    static void html(Context ctx, int status, String page) {
        ctx.status(status).contentType("text/html; charset=utf-8").result(page.getBytes(StandardCharsets.UTF_8));
    }

    void show(Req r, String title, String current, String body) {
        html(r.ctx(), 200, frame(r, title, current, body));
    }

    /** A notice named by {@code ?notice=} from {@code known}, or nothing. */
    static String notice(Context ctx, Map<String, String> known) {
        String n = known.get(String.valueOf(ctx.queryParam("notice")));
        return n == null ? "" : "<p class=\"notice ok\" role=\"status\">" + Html.text(n) + "</p>";
    }
}
