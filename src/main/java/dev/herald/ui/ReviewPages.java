package dev.herald.ui;

import dev.herald.connections.Destination;
import dev.herald.customeremail.CustomerEmail;
import dev.herald.customeremail.CustomerEmailService;
import dev.herald.customeremail.InvisibleCharacters;
import dev.herald.util.Json;
import dev.herald.util.Problem;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * The review page: a signed-in reviewer sees drafts exactly as they will be sent, and where they will
 * be sent and as whom (the connection's destination), and approves or rejects them; an approval binds
 * the destination the page showed. Characters that are invisible or reorder text are shown as marked
 * {@code <U+202E>} tokens and flag the draft ({@link InvisibleCharacters}), so what a reviewer reads is
 * what the bytes say. Server-rendered HTML with no scripts; every form carries the session's CSRF token and a
 * cross-site Origin is refused.
 */
public final class ReviewPages {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC);
    private static final Map<String, String> NOTICES = Map.of(
            "approved", "Approved. The email can now be sent.",
            "rejected", "Rejected. The email will not be sent.",
            "signed_out", "You are signed out.");
    private static final List<String[]> TABS = List.of(new String[] {"pending_review", "Waiting for review"}, new String[] {"approved", "Approved"},
            new String[] {"sent", "Sent"}, new String[] {"rejected", "Rejected"}, new String[] {"failed", "Failed"}, new String[] {"all", "All"});

    private final CustomerEmailService emails;
    private final ReviewSessions sessions;

    public ReviewPages(CustomerEmailService emails, ReviewSessions sessions) {
        this.emails = emails;
        this.sessions = sessions;
    }

    public void register(RoutesConfig r) {
        r.before("/review*", ReviewPages::securityHeaders);
        r.get("/review", this::list);
        r.get("/review/", ctx -> ctx.redirect("/review", io.javalin.http.HttpStatus.SEE_OTHER));
        r.get("/review/drafts/{id}", this::detail);
        r.get("/review/sign-in", this::signInForm);
        r.post("/review/sign-in", this::signIn);
        r.post("/review/sign-out", this::signOut);
        r.post("/review/drafts/{id}/approve", ctx -> decide(ctx, true));
        r.post("/review/drafts/{id}/reject", ctx -> decide(ctx, false));
    }

    private static void securityHeaders(Context ctx) {
        ctx.header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
        ctx.header("X-Frame-Options", "DENY");
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Referrer-Policy", "same-origin"); // "no-referrer" would make browsers send "Origin: null" on our own forms
        ctx.header("Cache-Control", "no-store");
    }

    private Optional<ReviewSessions.Reviewer> reviewer(Context ctx) {
        return sessions.current(ctx.cookie(ReviewSessions.COOKIE));
    }

    private static void html(Context ctx, int status, String page) {
        ctx.status(status).contentType("text/html; charset=utf-8").result(page.getBytes(StandardCharsets.UTF_8));
    }

    private static void toSignIn(Context ctx) {
        ctx.redirect("/review/sign-in", io.javalin.http.HttpStatus.SEE_OTHER);
    }

    private void list(Context ctx) {
        Optional<ReviewSessions.Reviewer> rv = reviewer(ctx);
        if (rv.isEmpty()) {
            toSignIn(ctx);
            return;
        }
        String tab = ctx.queryParam("status") == null ? "pending_review" : ctx.queryParam("status");
        if (TABS.stream().noneMatch(t -> t[0].equals(tab))) {
            html(ctx, 404, Html.page("Not found", who(rv.get()), rv.get().csrf(), "<p class=\"notice bad\">No such list.</p>"));
            return;
        }
        List<CustomerEmail> drafts = emails.list(rv.get().principal().projectId(), tab.equals("all") ? null : tab, null, null, 100);
        StringBuilder b = new StringBuilder();
        b.append("<h1>Customer emails</h1>").append(notice(ctx)).append("<nav class=\"tabs\">");
        for (String[] t : TABS) {
            b.append("<a href=\"/review?status=").append(t[0]).append("\"").append(t[0].equals(tab) ? " class=\"on\" aria-current=\"page\"" : "").append(">")
                    .append(t[1]).append("</a>");
        }
        b.append("</nav>");
        if (drafts.isEmpty()) {
            b.append("<div class=\"card empty\">").append(tab.equals("pending_review")
                    ? "<p><strong>Nothing is waiting for review.</strong></p><p>New drafts appear here as soon as they are created.</p>"
                    : "<p>No emails here.</p>").append("</div>");
        }
        for (CustomerEmail e : drafts) b.append(card(e, rv.get(), true, null));
        if (drafts.size() == 100) b.append("<p class=\"hint\">Showing the newest 100.</p>");
        html(ctx, 200, Html.page("Customer emails", who(rv.get()), rv.get().csrf(), b.toString()));
    }

    private void detail(Context ctx) {
        Optional<ReviewSessions.Reviewer> rv = reviewer(ctx);
        if (rv.isEmpty()) {
            toSignIn(ctx);
            return;
        }
        showDetail(ctx, rv.get(), 200, null);
    }

    private void showDetail(Context ctx, ReviewSessions.Reviewer rv, int status, String error) {
        CustomerEmail e;
        try {
            e = emails.get(rv.principal().projectId(), ctx.pathParam("id"));
        } catch (Problem notFound) {
            html(ctx, 404, Html.page("Not found", who(rv), rv.csrf(), "<p class=\"notice bad\">No such customer email in this project.</p>"
                    + "<p><a href=\"/review\">Back to the list</a></p>"));
            return;
        }
        String body = "<p><a href=\"/review\">&larr; All customer emails</a></p>" + notice(ctx) + card(e, rv, false, error);
        html(ctx, status, Html.page(subject(e), who(rv), rv.csrf(), body));
    }

    private String card(CustomerEmail e, ReviewSessions.Reviewer rv, boolean inList, String error) {
        JsonNode p = Json.parse(new String(e.payload(), StandardCharsets.UTF_8));
        StringBuilder b = new StringBuilder("<article class=\"card\" id=\"draft-").append(e.id()).append("\">");
        b.append("<h2>").append(inList ? "<a href=\"/review/drafts/" + e.id() + "\">" : "").append(Html.text(p.at("/email/subject").asString()))
                .append(inList ? "</a>" : "").append("</h2>");
        b.append("<p class=\"meta\"><span class=\"status ").append(e.status()).append("\">").append(e.status().replace('_', ' ')).append("</span> · drafted ")
                .append(TIME.format(Instant.ofEpochMilli(e.createdAt()))).append(" by ").append(Html.text(e.createdByName()));
        if (e.issueUrl() != null) b.append(" · <a href=\"").append(Html.text(e.issueUrl())).append("\" rel=\"noopener noreferrer\">related issue</a>");
        b.append("</p>");
        if (error != null) b.append("<p class=\"notice bad\" role=\"alert\">").append(Html.text(error)).append("</p>");
        List<InvisibleCharacters.Finding> hidden = InvisibleCharacters.in(e);
        if (!hidden.isEmpty()) {
            b.append("<p class=\"notice warn\" data-flag=\"invisible-characters\"><strong>Hidden characters.</strong> This email contains characters that "
                    + "are invisible or change the direction of text (");
            for (int i = 0; i < hidden.size(); i++) {
                b.append(i == 0 ? "" : "; ").append(String.join(", ", hidden.get(i).characters())).append(" in ").append(hidden.get(i).field());
            }
            b.append("). Each is shown below as a marked &lt;U+&hellip;&gt; token: what the customer sees may read differently from what the words "
                    + "say here. Check it before approving.</p>");
        }
        b.append("<dl><dt>To</dt><dd>").append(Html.text(p.at("/customer/name").asString())).append(" <span class=\"hint\">(customer id ")
                .append(Html.text(p.at("/customer/id").asString())).append(")</span></dd>")
                .append("<dt>Subject</dt><dd>").append(Html.text(p.at("/email/subject").asString())).append("</dd>")
                .append("<dt>Via</dt><dd>").append(Html.text(e.connectionName())).append("</dd>");
        Optional<Destination> dest = emails.destination(e);
        destination(b, dest);
        if (e.sessionId() != null) b.append("<dt>Session</dt><dd>").append(Html.text(e.sessionId())).append("</dd>");
        if (e.decidedAt() != null) {
            b.append("<dt>").append(e.rejectReason() != null ? "Rejected" : "Approved").append("</dt><dd>")
                    .append(TIME.format(Instant.ofEpochMilli(e.decidedAt()))).append(" by ").append(Html.text(e.decidedByName())).append("</dd>");
            if (e.rejectReason() != null) b.append("<dt>Reason</dt><dd>").append(Html.text(e.rejectReason())).append("</dd>");
        }
        if (e.decidedAt() != null && e.rejectReason() == null) {
            b.append("<dt>Approved for</dt><dd>destination SHA-256 <code>").append(Html.text(e.approvalDestinationSha256())).append("</code></dd>");
        }
        if (e.sentAt() != null) b.append("<dt>Sent</dt><dd>").append(TIME.format(Instant.ofEpochMilli(e.sentAt()))).append("</dd>");
        if (!inList) {
            for (CustomerEmail.Approval a : emails.approvals(e)) {
                if (a.supersededAt() == null) continue;
                b.append("<dt>Superseded approval</dt><dd class=\"superseded\">").append(TIME.format(Instant.ofEpochMilli(a.at()))).append(" by ")
                        .append(Html.text(a.byName())).append(", for destination SHA-256 <code>").append(Html.text(a.destinationSha256()))
                        .append("</code>; superseded ").append(TIME.format(Instant.ofEpochMilli(a.supersededAt()))).append(": ")
                        .append(Html.text(a.supersededReason())).append("</dd>");
            }
        }
        b.append("</dl>");
        boolean changed = e.status().equals(CustomerEmail.APPROVED) && e.deliveryId() == null
                && !dest.map(Destination::sha256).orElse("").equals(e.approvalDestinationSha256());
        if (changed) {
            b.append("<p class=\"notice bad\" data-flag=\"destination-changed\">Where this email sends is not what was approved: ")
                    .append(dest.isEmpty() ? "the connection was deleted." : "the connection changed after the approval.")
                    .append(" Sending it will be refused and it will come back here for review.</p>");
        }
        b.append("<pre class=\"body\" aria-label=\"Email body\">").append(Html.text(p.at("/email/body").asString())).append("</pre>");
        b.append("<details><summary>Exact payload that will be sent</summary><pre class=\"body\">")
                .append(Html.text(new String(e.payload(), StandardCharsets.UTF_8))).append("</pre><p class=\"hint\">SHA-256 <code>")
                .append(e.payloadSha256()).append("</code></p></details>");
        if (e.status().equals(CustomerEmail.PENDING)) {
            String csrf = Html.esc(rv.csrf());
            b.append("<div class=\"actions\"><form method=\"post\" action=\"/review/drafts/").append(e.id()).append("/approve\">")
                    .append("<input type=\"hidden\" name=\"csrf\" value=\"").append(csrf).append("\">")
                    .append("<input type=\"hidden\" name=\"destination_sha256\" value=\"").append(Html.esc(dest.map(Destination::sha256).orElse("")))
                    .append("\">")
                    .append("<button class=\"approve\" type=\"submit\">Approve</button></form>")
                    .append("<form class=\"reject\" method=\"post\" action=\"/review/drafts/").append(e.id()).append("/reject\">")
                    .append("<input type=\"hidden\" name=\"csrf\" value=\"").append(csrf).append("\">")
                    .append("<textarea name=\"reason\" required maxlength=\"2000\" aria-label=\"Reason for rejecting\" placeholder=\"Reason for rejecting (required)\"></textarea>")
                    .append("<button class=\"rejectbtn\" type=\"submit\">Reject</button></form></div>");
        }
        return b.append("</article>").toString();
    }

    /**
     * Where the email goes and as whom, as the approval will bind it: the URL, the auth method with its
     * non-secret identity (fingerprints for secrets that are the identity), the signature, the headers and
     * the destination's SHA-256.
     */
    private static void destination(StringBuilder b, Optional<Destination> dest) {
        if (dest.isEmpty()) {
            b.append("<dt>Sends to</dt><dd class=\"bad\">nowhere: the connection was deleted, so this email cannot be sent</dd>");
            return;
        }
        JsonNode d = dest.get().description();
        b.append("<dt>Sends to</dt><dd class=\"destination\"><code>").append(Html.text(d.path("method").asString())).append(' ')
                .append(Html.text(d.path("url").asString())).append("</code></dd>");
        JsonNode auth = d.path("auth");
        b.append("<dt>Authenticates</dt><dd>");
        switch (auth.path("method").asString("")) {
            case "bearer_token" -> b.append("bearer token (fingerprint <code>").append(Html.text(auth.path("token_fingerprint").asString())).append("</code>)");
            case "basic_auth" -> b.append("basic auth as user <code>").append(Html.text(auth.path("username").asString())).append("</code>");
            case "oauth_client_credentials" -> {
                b.append("OAuth client <code>").append(Html.text(auth.path("client_id").asString())).append("</code> at <code>")
                        .append(Html.text(auth.path("token_url").asString())).append("</code>");
                if (!auth.path("scopes").isNull() && !auth.path("scopes").asString("").isEmpty()) {
                    b.append(", scopes <code>").append(Html.text(auth.path("scopes").asString())).append("</code>");
                }
                for (var p : auth.path("extra_params").properties()) {
                    b.append(", <code>").append(Html.text(p.getKey())).append('=').append(Html.text(p.getValue().asString())).append("</code>");
                }
            }
            case "static_headers" -> {
                b.append("auth headers");
                for (var p : auth.path("header_fingerprints").properties()) {
                    b.append(" <code>").append(Html.text(p.getKey())).append("</code> (fingerprint <code>").append(Html.text(p.getValue().asString()))
                            .append("</code>)");
                }
            }
            default -> b.append("no authentication");
        }
        b.append("</dd>");
        JsonNode sig = d.path("signature");
        b.append("<dt>Signs</dt><dd>").append(sig.isObject()
                ? Html.text(sig.path("header").asString()) + " with the signing secret (fingerprint <code>" + Html.text(sig.path("secret_fingerprint").asString())
                        + "</code>)"
                : "not signed").append("</dd>");
        if (!d.path("headers").isEmpty()) {
            b.append("<dt>Headers</dt><dd>");
            for (var p : d.path("headers").properties()) {
                b.append("<code>").append(Html.text(p.getKey())).append(": ").append(Html.text(p.getValue().asString())).append("</code><br>");
            }
            b.append("</dd>");
        }
        b.append("<dt>Destination</dt><dd>SHA-256 <code class=\"destination-sha256\">").append(dest.get().sha256()).append("</code></dd>");
    }

    private void signInForm(Context ctx) {
        if (reviewer(ctx).isPresent()) {
            ctx.redirect("/review", io.javalin.http.HttpStatus.SEE_OTHER);
            return;
        }
        html(ctx, 200, signInPage(notice(ctx), null));
    }

    private static String signInPage(String notice, String error) {
        return Html.page("Sign in", null, null, "<div class=\"signin card\"><h1>Sign in to review</h1>" + notice
                + (error == null ? "" : "<p class=\"notice bad\" role=\"alert\">" + Html.text(error) + "</p>")
                + "<form method=\"post\" action=\"/review/sign-in\"><label for=\"api_key\">Your API key</label>"
                + "<input type=\"password\" id=\"api_key\" name=\"api_key\" autocomplete=\"off\" required autofocus>"
                + "<p class=\"hint\">Use your own key with the REVIEWER or CLIENT_ADMIN role: every decision is recorded under its name.</p>"
                + "<button class=\"primary\" type=\"submit\">Sign in</button></form></div>");
    }

    private void signIn(Context ctx) {
        if (!sameOrigin(ctx)) {
            html(ctx, 403, signInPage("", "This form must be sent from Herald's own page."));
            return;
        }
        Optional<String> token = sessions.signIn(ctx.formParam("api_key"));
        if (token.isEmpty()) {
            html(ctx, 401, signInPage("", "That key is not valid here: it must be an active API key with the REVIEWER or CLIENT_ADMIN role."));
            return;
        }
        ctx.header("Set-Cookie", sessions.cookie(token.get()));
        ctx.redirect("/review", io.javalin.http.HttpStatus.SEE_OTHER);
    }

    private void signOut(Context ctx) {
        Optional<ReviewSessions.Reviewer> rv = reviewer(ctx);
        if (rv.isPresent() && checkForm(ctx, rv.get())) sessions.signOut(ctx.cookie(ReviewSessions.COOKIE));
        ctx.header("Set-Cookie", sessions.clearCookie());
        ctx.redirect("/review/sign-in?notice=signed_out", io.javalin.http.HttpStatus.SEE_OTHER);
    }

    private void decide(Context ctx, boolean approve) {
        Optional<ReviewSessions.Reviewer> rv = reviewer(ctx);
        if (rv.isEmpty()) {
            toSignIn(ctx);
            return;
        }
        if (!checkForm(ctx, rv.get())) {
            showDetail(ctx, rv.get(), 403, "This action was refused because it did not come from this page (missing or wrong form token). Reload and try again.");
            return;
        }
        String id = ctx.pathParam("id");
        try {
            // The page binds the approval to the destination it showed: a missing value matches none.
            String shown = ctx.formParam("destination_sha256");
            if (approve) emails.approve(rv.get().principal(), id, shown == null ? "" : shown);
            else emails.reject(rv.get().principal(), id, ctx.formParam("reason"));
        } catch (Problem e) {
            showDetail(ctx, rv.get(), status(e.kind()), e.getMessage());
            return;
        }
        ctx.redirect("/review/drafts/" + id + "?notice=" + (approve ? "approved" : "rejected"), io.javalin.http.HttpStatus.SEE_OTHER);
    }

    /** The page's status for a refused decision (the same statuses the API answers). */
    private static int status(Problem.Kind kind) {
        return switch (kind) {
            case NOT_FOUND -> 404;
            case CONFLICT -> 409;
            case TOO_LARGE -> 413;
            case UNPROCESSABLE -> 422;
            case INVALID -> 400;
        };
    }

    /** The session's CSRF token is in the form, and the browser did not announce another origin. */
    private static boolean checkForm(Context ctx, ReviewSessions.Reviewer rv) {
        return sameOrigin(ctx) && ReviewSessions.same(ctx.formParam("csrf"), rv.csrf());
    }

    private static boolean sameOrigin(Context ctx) {
        String origin = ctx.header("Origin");
        if (origin == null) return true;
        String host = ctx.header("Host");
        return host != null && (origin.equals("http://" + host) || origin.equals("https://" + host));
    }

    private static String notice(Context ctx) {
        String n = NOTICES.get(String.valueOf(ctx.queryParam("notice")));
        return n == null ? "" : "<p class=\"notice ok\" role=\"status\">" + n + "</p>";
    }

    private static String who(ReviewSessions.Reviewer rv) {
        return rv.name() + " (" + rv.principal().role() + ")";
    }

    private static String subject(CustomerEmail e) {
        return Json.parse(new String(e.payload(), StandardCharsets.UTF_8)).at("/email/subject").asString();
    }
}
