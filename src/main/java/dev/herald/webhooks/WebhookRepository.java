package dev.herald.webhooks;

import dev.herald.delivery.Channel;
import dev.herald.store.Sql;
import dev.herald.util.Json;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.StatementContext;
import tools.jackson.databind.JsonNode;

/** SQL for webhooks. Every method takes the caller's handle, so it joins the caller's transaction. */
public final class WebhookRepository {
    private static final String COLUMNS = "id, project_id, url, events, description, headers, enabled, disabled_reason, disabled_at, "
            + "retry_schedule, timeout_seconds, signature_scheme, signature_header, secret_enc, secret_kid, prev_secret_enc, "
            + "prev_secret_kid, prev_secret_until, consecutive_failures, created_at, updated_at, auth_enc, auth_view";

    private WebhookRepository() {}

    public static void insert(Handle h, Webhook w) {
        h.createUpdate("INSERT INTO webhooks (" + COLUMNS + ") VALUES (:id, :project_id, :url, :events, :description, :headers, :enabled, "
                        + ":disabled_reason, :disabled_at, :retry_schedule, :timeout_seconds, :signature_scheme, :signature_header, :secret_enc, "
                        + ":secret_kid, :prev_secret_enc, :prev_secret_kid, :prev_secret_until, :consecutive_failures, :created_at, :updated_at, :auth_enc, :auth_view)")
                .bindMap(params(w))
                .execute();
    }

    public static void update(Handle h, Webhook w) {
        h.createUpdate("UPDATE webhooks SET url = :url, events = :events, description = :description, headers = :headers, enabled = :enabled, "
                        + "disabled_reason = :disabled_reason, disabled_at = :disabled_at, retry_schedule = :retry_schedule, "
                        + "timeout_seconds = :timeout_seconds, signature_scheme = :signature_scheme, signature_header = :signature_header, "
                        + "secret_enc = :secret_enc, secret_kid = :secret_kid, prev_secret_enc = :prev_secret_enc, prev_secret_kid = :prev_secret_kid, "
                        + "prev_secret_until = :prev_secret_until, consecutive_failures = :consecutive_failures, updated_at = :updated_at, "
                        + "auth_enc = :auth_enc, auth_view = :auth_view "
                        + "WHERE id = :id AND project_id = :project_id AND deleted_at IS NULL")
                .bindMap(params(w))
                .execute();
    }

    public static Optional<Webhook> find(Handle h, String projectId, String id) {
        return h.createQuery("SELECT " + COLUMNS + " FROM webhooks WHERE id = :id AND project_id = :p AND deleted_at IS NULL")
                .bind("id", id).bind("p", projectId).map(WebhookRepository::map).findOne();
    }

    /** Whether each webhook takes attempts: enabled (active), disabled (paused) or deleted (gone); ids not found are left out. */
    static Map<String, Channel.TargetState> states(Handle h, Collection<String> ids) {
        Map<String, Channel.TargetState> out = new HashMap<>();
        if (ids.isEmpty()) return out;
        h.createQuery("SELECT id, enabled, deleted_at FROM webhooks WHERE id IN (" + Sql.idsIn(h, ":ids") + ")").bind("ids", Sql.jsonArray(ids))
                .map((rs, ctx) -> {
                    rs.getLong("deleted_at");
                    Channel.TargetState s = !rs.wasNull() ? Channel.TargetState.GONE
                            : rs.getInt("enabled") == 1 ? Channel.TargetState.ACTIVE : Channel.TargetState.PAUSED;
                    out.put(rs.getString("id"), s);
                    return s;
                }).list();
        return out;
    }

    /** Any webhook by id, including deleted ones (the dispatcher needs it for in-flight work). */
    public static Optional<Webhook> findAny(Handle h, String id) {
        return h.createQuery("SELECT " + COLUMNS + " FROM webhooks WHERE id = :id").bind("id", id).map(WebhookRepository::map).findOne();
    }

    public static List<Webhook> findAll(Handle h, List<String> ids) {
        if (ids.isEmpty()) return List.of();
        return h.createQuery("SELECT " + COLUMNS + " FROM webhooks WHERE id IN (" + Sql.idsIn(h, ":ids") + ")").bind("ids", Sql.jsonArray(ids)).map(WebhookRepository::map).list();
    }

    public static List<Webhook> list(Handle h, String projectId) {
        return h.createQuery("SELECT " + COLUMNS + " FROM webhooks WHERE project_id = :p AND deleted_at IS NULL ORDER BY created_at, id")
                .bind("p", projectId).map(WebhookRepository::map).list();
    }

    /** An enabled webhook's id and event patterns: all fan-out needs. */
    public record Subscription(String id, List<String> events) {}

    private static final Map<String, List<String>> PARSED_PATTERNS = new java.util.concurrent.ConcurrentHashMap<>();

    /** The project's enabled subscriptions. Runs on the writer for every event, so it reads two columns and parses each distinct pattern list once. */
    public static List<Subscription> enabledSubscriptions(Handle h, String projectId) {
        return h.createQuery("SELECT id, events FROM webhooks WHERE project_id = :p AND enabled = 1 AND deleted_at IS NULL")
                .bind("p", projectId)
                .map((rs, ctx) -> new Subscription(rs.getString("id"), patterns(rs.getString("events"))))
                .list();
    }

    private static List<String> patterns(String json) {
        List<String> cached = PARSED_PATTERNS.get(json);
        if (cached != null) return cached;
        List<String> events = new ArrayList<>();
        for (JsonNode n : Json.parse(json)) events.add(n.asString());
        List<String> result = List.copyOf(events);
        if (PARSED_PATTERNS.size() > 10_000) PARSED_PATTERNS.clear();
        PARSED_PATTERNS.put(json, result);
        return result;
    }

    public static boolean markDeleted(Handle h, String projectId, String id, long now) {
        return h.createUpdate("UPDATE webhooks SET deleted_at = :now, enabled = 0, updated_at = :now WHERE id = :id AND project_id = :p AND deleted_at IS NULL")
                .bind("now", now).bind("id", id).bind("p", projectId).execute() == 1;
    }

    /** Adds one to the failure streak and returns the new value (empty if the webhook is gone). */
    public static Optional<Integer> incrementFailures(Handle h, String id) {
        return h.createQuery("UPDATE webhooks SET consecutive_failures = consecutive_failures + 1 WHERE id = :id RETURNING consecutive_failures")
                .bind("id", id).mapTo(Integer.class).findOne();
    }

    public static void resetFailures(Handle h, java.util.Collection<String> ids) {
        if (ids.isEmpty()) return;
        // Plain JDBC on a statement prepared once: this runs in every batch of recorded attempts (on the writer).
        try {
            java.sql.PreparedStatement ps = Sql.cached(h, "UPDATE webhooks SET consecutive_failures = 0 WHERE id IN (" + Sql.idsIn(h, "?")
                    + ") AND consecutive_failures <> 0");
            ps.setString(1, Sql.jsonArray(ids));
            ps.executeUpdate();
        } catch (java.sql.SQLException e) {
            throw new dev.herald.store.StoreException("cannot reset failure counts: " + e.getMessage(), e);
        }
    }

    /** Disables an enabled webhook; false when it was already disabled or deleted. */
    public static boolean disable(Handle h, String id, String reason, long now) {
        return h.createUpdate("UPDATE webhooks SET enabled = 0, disabled_reason = :r, disabled_at = :now, updated_at = :now "
                        + "WHERE id = :id AND enabled = 1 AND deleted_at IS NULL")
                .bind("r", reason).bind("now", now).bind("id", id).execute() == 1;
    }

    private static Map<String, Object> params(Webhook w) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", w.id());
        m.put("project_id", w.projectId());
        m.put("url", w.url());
        m.put("events", Json.write(w.events()));
        m.put("description", w.description());
        m.put("headers", Json.write(w.headers()));
        m.put("enabled", w.enabled() ? 1 : 0);
        m.put("disabled_reason", w.disabledReason());
        m.put("disabled_at", w.disabledAt());
        m.put("retry_schedule", Json.write(w.retrySchedule().stream().map(Duration::toMillis).toList()));
        m.put("timeout_seconds", w.timeoutSeconds());
        m.put("signature_scheme", w.signatureScheme());
        m.put("signature_header", w.signatureHeader());
        m.put("secret_enc", w.secretSealed());
        m.put("secret_kid", w.secretKid());
        m.put("prev_secret_enc", w.previousSecretSealed());
        m.put("prev_secret_kid", w.previousSecretKid());
        m.put("prev_secret_until", w.previousSecretUntil());
        m.put("consecutive_failures", w.consecutiveFailures());
        m.put("created_at", w.createdAt());
        m.put("updated_at", w.updatedAt());
        m.put("auth_enc", w.authSealed());
        m.put("auth_view", w.authView());
        return m;
    }

    static Webhook map(ResultSet rs, StatementContext ctx) throws SQLException {
        List<String> events = patterns(rs.getString("events"));
        Map<String, String> headers = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : Json.parse(rs.getString("headers")).properties()) headers.put(e.getKey(), e.getValue().asString());
        List<Duration> schedule = new ArrayList<>();
        for (JsonNode n : Json.parse(rs.getString("retry_schedule"))) schedule.add(Duration.ofMillis(n.asLong()));
        return new Webhook(rs.getString("id"), rs.getString("project_id"), rs.getString("url"), List.copyOf(events),
                rs.getString("description"), headers, rs.getInt("enabled") == 1, rs.getString("disabled_reason"),
                nullableLong(rs, "disabled_at"), List.copyOf(schedule), rs.getInt("timeout_seconds"), rs.getString("signature_scheme"),
                rs.getString("signature_header"), rs.getString("secret_enc"), rs.getString("secret_kid"), rs.getString("prev_secret_enc"),
                rs.getString("prev_secret_kid"), nullableLong(rs, "prev_secret_until"), rs.getInt("consecutive_failures"),
                rs.getLong("created_at"), rs.getLong("updated_at"), rs.getString("auth_enc"), rs.getString("auth_view"));
    }

    static Long nullableLong(ResultSet rs, String col) throws SQLException {
        long v = rs.getLong(col);
        return rs.wasNull() ? null : v;
    }
}
