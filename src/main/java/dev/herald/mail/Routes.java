package dev.herald.mail;

import dev.herald.store.Database;
import dev.herald.templates.Templates;
import dev.herald.util.Ids;
import dev.herald.util.Json;
import dev.herald.util.JsonBody;
import dev.herald.util.Problem;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jdbi.v3.core.Handle;
import tools.jackson.databind.JsonNode;

/** Routes of inbound mail: validated when saved (conditions, endpoints of the project, a custom template that renders JSON). */
public final class Routes {
    public static final Set<String> FIELDS = Set.of("name", "priority", "match", "mapper", "template", "endpoint_ids", "stop", "enabled");
    private static final int MAX_ENDPOINTS = 20;
    private static final int MAX_ROUTES = 500;
    private static final String COLUMNS = "id, project_id, name, priority, conditions, mapper, template, endpoint_ids, stop_after, enabled, created_at, updated_at";

    private final Database db;
    private final Clock clock;
    /** Compiled custom templates by source (compiled templates are thread-safe). */
    private final Map<String, Templates.Compiled> compiled = new ConcurrentHashMap<>();

    public Routes(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    public List<Route> list(String projectId) {
        return db.read(h -> all(h, projectId));
    }

    public Route get(String projectId, String id) {
        if (!Ids.isUuid(id)) throw Problem.notFound("route");
        String rid = Ids.canonical(id);
        return db.read(h -> h.createQuery("SELECT " + COLUMNS + " FROM mail_routes WHERE id = :id AND project_id = :p").bind("id", rid).bind("p", projectId)
                .map(Routes::map).findOne()).orElseThrow(() -> Problem.notFound("route"));
    }

    public Route create(String projectId, JsonBody in) {
        in.only(FIELDS);
        long now = clock.millis();
        Route r = read(in, null, projectId, Ids.uuid7(now), now);
        db.writer().execute(h -> {
            int n = h.createQuery("SELECT COUNT(*) FROM mail_routes WHERE project_id = :p").bind("p", projectId).mapTo(Integer.class).one();
            if (n >= MAX_ROUTES) throw Problem.invalid("name", "a project may have at most " + MAX_ROUTES + " routes");
            checkEndpoints(h, projectId, r.endpointIds());
            h.createUpdate("INSERT INTO mail_routes (" + COLUMNS + ") VALUES (:id, :p, :name, :priority, :conditions, :mapper, :template, :endpoints, :stop, "
                    + ":enabled, :created, :updated)").bindMap(params(r)).execute();
            return null;
        });
        return r;
    }

    public Route update(String projectId, String id, JsonBody in) {
        in.only(FIELDS);
        Route old = get(projectId, id);
        Route r = read(in, old, projectId, old.id(), old.createdAt());
        db.writer().execute(h -> {
            checkEndpoints(h, projectId, r.endpointIds());
            h.createUpdate("UPDATE mail_routes SET name = :name, priority = :priority, conditions = :conditions, mapper = :mapper, template = :template, "
                    + "endpoint_ids = :endpoints, stop_after = :stop, enabled = :enabled, updated_at = :updated WHERE id = :id AND project_id = :p")
                    .bindMap(params(r)).execute();
            return null;
        });
        return r;
    }

    public void delete(String projectId, String id) {
        if (!Ids.isUuid(id)) throw Problem.notFound("route");
        String rid = Ids.canonical(id);
        int n = db.writer().execute(h -> h.createUpdate("DELETE FROM mail_routes WHERE id = :id AND project_id = :p").bind("id", rid).bind("p", projectId).execute());
        if (n == 0) throw Problem.notFound("route");
    }

    /** The project's routes in the order they are tried: priority, then creation. */
    static List<Route> all(Handle h, String projectId) {
        return h.createQuery("SELECT " + COLUMNS + " FROM mail_routes WHERE project_id = :p ORDER BY priority, created_at, id").bind("p", projectId)
                .map(Routes::map).list();
    }

    /** Whether some enabled route of the project would take mail for {@code address} (the RCPT TO check). */
    static boolean acceptsRecipient(Handle h, String projectId, String address) {
        for (Route r : all(h, projectId)) {
            if (r.enabled() && r.match().acceptsRecipient(address)) return true;
        }
        return false;
    }

    /** The routes that take {@code m}, in order, up to and including the first matching one that says stop. */
    static List<Route> select(List<Route> routes, ParsedMail m, List<String> recipients) {
        List<Route> out = new ArrayList<>();
        for (Route r : routes) {
            if (!r.enabled() || !r.match().matches(m, recipients)) continue;
            out.add(r);
            if (r.stop()) break;
        }
        return out;
    }

    Templates.Compiled template(Route r) {
        if (r.template() == null) return null;
        Templates.Compiled c = compiled.get(r.template());
        if (c != null) return c;
        c = Mappers.compile(r.template(), "template");
        if (compiled.size() > 500) compiled.clear();
        compiled.put(r.template(), c);
        return c;
    }

    /** Takes a deleted endpoint out of every route of the project that named it. */
    static void forgetEndpoint(Handle h, String projectId, String endpointId, long now) {
        for (Route r : all(h, projectId)) {
            if (!r.endpointIds().contains(endpointId)) continue;
            List<String> rest = new ArrayList<>(r.endpointIds());
            rest.remove(endpointId);
            h.createUpdate("UPDATE mail_routes SET endpoint_ids = :e, updated_at = :now WHERE id = :id").bind("e", Json.write(rest)).bind("now", now)
                    .bind("id", r.id()).execute();
        }
    }

    private Route read(JsonBody in, Route old, String projectId, String id, long createdAt) {
        String name = old == null || in.has("name") ? in.string("name", true).strip() : old.name();
        if (name.isEmpty() || name.length() > 200) throw Problem.invalid("name", "'name' must be 1 to 200 characters");
        Integer p = in.integer("priority", -1_000_000, 1_000_000);
        int priority = p != null ? p : old == null ? 100 : old.priority();
        Match match = old == null || in.has("match") ? Match.parse(in.object("match", Match.FIELDS)) : old.match();
        String mapper = old == null || in.has("mapper") ? in.string("mapper", false) : old.mapper();
        if (mapper == null) mapper = Mappers.GENERIC;
        if (!Mappers.NAMES.contains(mapper)) throw Problem.invalid("mapper", "'mapper' must be one of " + Mappers.NAMES);
        String template = in.has("template") ? in.string("template", false) : old == null ? null : old.template();
        if (Mappers.CUSTOM.equals(mapper)) {
            if (template == null) throw Problem.invalid("template", "'template' is required with the custom_json mapper");
            compiled.put(template, Mappers.compile(template, "template"));
        } else if (in.has("template") && template != null) {
            throw Problem.invalid("template", "'template' is only used by the custom_json mapper");
        } else {
            template = null;
        }
        List<String> endpoints = old == null || in.has("endpoint_ids") ? in.strings("endpoint_ids") : old.endpointIds();
        if (endpoints == null || endpoints.isEmpty()) throw Problem.invalid("endpoint_ids", "'endpoint_ids' must name at least one endpoint");
        if (endpoints.size() > MAX_ENDPOINTS) throw Problem.invalid("endpoint_ids", "'endpoint_ids' may name at most " + MAX_ENDPOINTS + " endpoints");
        Set<String> ids = new LinkedHashSet<>();
        for (String e : endpoints) {
            if (!Ids.isUuid(e)) throw Problem.invalid("endpoint_ids", "'" + e + "' is not an endpoint id");
            ids.add(Ids.canonical(e));
        }
        Boolean stop = in.bool("stop");
        Boolean enabled = in.bool("enabled");
        return new Route(id, projectId, name, priority, match, mapper, template, List.copyOf(ids),
                stop != null ? stop : old != null && old.stop(), enabled != null ? enabled : old == null || old.enabled(), createdAt, clock.millis());
    }

    private static void checkEndpoints(Handle h, String projectId, List<String> ids) {
        for (String id : ids) {
            if (Endpoints.find(h, projectId, id).isEmpty()) {
                throw new Problem(Problem.Kind.UNPROCESSABLE, "unknown_endpoint", "endpoint " + id + " does not exist in this project", "endpoint_ids");
            }
        }
    }

    private static Map<String, Object> params(Route r) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("id", r.id());
        m.put("p", r.projectId());
        m.put("name", r.name());
        m.put("priority", r.priority());
        m.put("conditions", Json.write(r.match().json()));
        m.put("mapper", r.mapper());
        m.put("template", r.template());
        m.put("endpoints", Json.write(r.endpointIds()));
        m.put("stop", r.stop() ? 1 : 0);
        m.put("enabled", r.enabled() ? 1 : 0);
        m.put("created", r.createdAt());
        m.put("updated", r.updatedAt());
        return m;
    }

    private static Route map(ResultSet rs, org.jdbi.v3.core.statement.StatementContext ctx) throws SQLException {
        List<String> endpoints = new ArrayList<>();
        for (JsonNode n : Json.parse(rs.getString("endpoint_ids"))) endpoints.add(n.asString());
        return new Route(rs.getString("id"), rs.getString("project_id"), rs.getString("name"), rs.getInt("priority"),
                Match.fromJson(rs.getString("conditions")), rs.getString("mapper"), rs.getString("template"), List.copyOf(endpoints),
                rs.getInt("stop_after") == 1, rs.getInt("enabled") == 1, rs.getLong("created_at"), rs.getLong("updated_at"));
    }

    static Optional<Route> byId(List<Route> routes, String id) {
        return routes.stream().filter(r -> r.id().equals(id)).findFirst();
    }
}
