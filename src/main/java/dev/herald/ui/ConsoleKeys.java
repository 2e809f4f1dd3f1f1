package dev.herald.ui;

import dev.herald.projects.ApiKeys;
import dev.herald.projects.Role;
import dev.herald.util.Ids;
import dev.herald.util.Problem;
import io.javalin.config.RoutesConfig;
import io.javalin.http.HttpStatus;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** API keys of the project: create one (its value shown once), list them (never their values), revoke one. */
final class ConsoleKeys implements ConsoleSection {
    private static final Map<String, String> NOTICES = Map.of("revoked", "Revoked: the key stops working at once, everywhere.");
    private final ApiKeys keys;
    private Console c;

    ConsoleKeys(Console.Services s) {
        this.keys = s.keys();
    }

    @Override
    public void register(RoutesConfig r, Console c) {
        this.c = c;
        c.page(r, "/console/api-keys", this::list);
        c.change(r, "/console/api-keys", this::create);
        c.change(r, "/console/api-keys/{id}/revoke", this::revoke);
    }

    private void list(Console.Req r) {
        String cursor = ConsoleDeliveries.param(r, "cursor");
        if (cursor != null && !Ids.isUuid(cursor)) throw Problem.invalid("cursor", "'cursor' must be the next page link's");
        ApiKeys.Page page = keys.list(r.project(), cursor, 100);
        StringBuilder b = new StringBuilder("<h1>API keys</h1>").append(Console.notice(r.ctx(), NOTICES));
        List<List<String>> rows = new ArrayList<>();
        for (ApiKeys.Info k : page.keys()) {
            List<String> row = new ArrayList<>(List.of(Html.text(k.name()) + (k.id().equals(r.who().principal().keyId()) ? " <span class=\"hint\">(this session's key)</span>" : ""),
                    Html.text(k.role().name()), "<code>" + Html.text(k.prefix()) + "…</code>", Fmt.time(k.createdAt()),
                    k.lastUsedAt() == null ? "<span class=\"muted\">never</span>" : Fmt.time(k.lastUsedAt())));
            if (r.admin()) row.add(Console.button(r, "/console/api-keys/" + k.id() + "/revoke", "Revoke " + k.name(), "danger", Map.of()));
            rows.add(row);
        }
        b.append(Fmt.table(null, r.admin() ? List.of("Name", "Role", "Starts with", "Created", "Last used", "")
                : List.of("Name", "Role", "Starts with", "Created", "Last used"), rows));
        if (page.nextCursor() != null) b.append("<p>").append(Fmt.link("/console/api-keys?cursor=" + page.nextCursor(), "More keys")).append("</p>");
        if (r.admin()) {
            b.append("<form class=\"card\" method=\"post\" action=\"/console/api-keys\"><h2>New key</h2>").append(Console.csrfField(r))
                    .append(Fmt.input("name", "Name", "text", "", true, "Who or what uses it, e.g. billing-service."))
                    .append("<div class=\"field\"><label for=\"role\">Role</label><select id=\"role\" name=\"role\">");
            for (Role role : Role.values()) b.append("<option value=\"").append(role.name()).append("\">").append(role.name()).append("</option>");
            b.append("</select><p class=\"hint\">CLIENT_ADMIN manages the project; PUBLISHER posts events; VIEWER reads; REVIEWER approves customer emails.</p></div>")
                    .append("<button class=\"primary\" type=\"submit\">Create key</button></form>");
        }
        c.show(r, "API keys", "/console/api-keys", b.toString());
    }

    private void create(Console.Req r) {
        String name = r.ctx().formParam("name");
        if (name == null || name.isBlank() || name.length() > 200) throw Problem.invalid("name", "'name' must be 1 to 200 characters");
        Role role = Role.parse(r.ctx().formParam("role")).orElseThrow(() -> Problem.invalid("role", "'role' must be one of " + Arrays.toString(Role.values())));
        ApiKeys.Created k = keys.create(r.project(), name.trim(), role);
        c.show(r, "Key created", "/console/api-keys", "<h1>Key created</h1><p class=\"notice ok\" role=\"status\">" + Html.text(k.name()) + " (" + k.role()
                + ") is ready.</p>" + Fmt.secret("api-key", "API key", k.key()) + "<p>" + Fmt.link("/console/api-keys", "Back to the keys") + "</p>");
    }

    private void revoke(Console.Req r) {
        keys.revoke(r.project(), r.ctx().pathParam("id"), r.who().principal().keyId());
        if (r.ctx().pathParam("id").equalsIgnoreCase(r.who().principal().keyId())) {
            r.ctx().redirect("/console/sign-in", HttpStatus.SEE_OTHER); // the session ended with its key
            return;
        }
        r.ctx().redirect("/console/api-keys?notice=revoked", HttpStatus.SEE_OTHER);
    }
}
