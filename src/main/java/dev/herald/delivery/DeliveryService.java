package dev.herald.delivery;

import dev.herald.store.Database;
import dev.herald.util.Ids;
import dev.herald.util.Json;
import dev.herald.util.Problem;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Reading deliveries and their attempts, retrying one, cancelling one or a message's, replaying dead
 * letters; and reading the messages themselves (a feature's events) by kind.
 */
public final class DeliveryService {
    public static final Set<String> STATUSES = Set.of("pending", "in_flight", "paused", "succeeded", "dead", "cancelled");
    private static final String COLUMNS = "d.id, d.message_id, d.channel, d.target_id, d.status, d.attempts, d.next_attempt_at, d.last_status_code, "
            + "d.last_error, d.dead_reason, d.created_at, d.updated_at, d.completed_at, d.cancel_requested_at, m.type";
    /** Deliveries with their message; what a channel adds (an email's recipient) comes from {@link Channel#describe}. */
    private static final String FROM = " FROM deliveries d JOIN messages m ON m.id = d.message_id";

    private final Database db;
    private final Map<String, Channel> channels = new HashMap<>();
    private final Clock clock;
    private final Ingress ingress;

    public DeliveryService(Database db, List<Channel> channels, Clock clock, Ingress ingress) {
        this.db = db;
        for (Channel c : channels) this.channels.put(c.name(), c);
        this.clock = clock;
        this.ingress = ingress;
    }

    /** The names of the channels deliveries go over, sorted (the {@code channel} filter's values). */
    public List<String> channelNames() {
        return channels.keySet().stream().sorted().toList();
    }

    /** Filters for listing; null means any. {@code cursor} is the last id of the previous page. */
    public record Filter(String targetId, String messageId, String status, Long completedSince, String cursor, int limit, String channel) {}

    /** A page of deliveries as JSON, newest first, with {@code next_cursor} when more exist. */
    public ObjectNode list(String projectId, Filter f) {
        List<ObjectNode> rows = db.read(h -> {
            StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + FROM + " WHERE d.project_id = :p");
            if (f.targetId() != null) sql.append(" AND d.target_id = :t");
            if (f.channel() != null) sql.append(" AND d.channel = :ch");
            if (f.messageId() != null) sql.append(" AND d.message_id = :m");
            if (f.status() != null) sql.append(" AND d.status = :s");
            if (f.completedSince() != null) sql.append(" AND d.completed_at >= :since");
            if (f.cursor() != null) sql.append(" AND d.id < :c");
            sql.append(" ORDER BY d.id DESC LIMIT :lim");
            Query q = h.createQuery(sql.toString()).bind("p", projectId).bind("lim", f.limit() + 1);
            if (f.targetId() != null) q.bind("t", f.targetId());
            if (f.channel() != null) q.bind("ch", f.channel());
            if (f.messageId() != null) q.bind("m", f.messageId());
            if (f.status() != null) q.bind("s", f.status());
            if (f.completedSince() != null) q.bind("since", f.completedSince());
            if (f.cursor() != null) q.bind("c", f.cursor());
            return views(h, q.map((rs, ctx) -> row(rs)).list());
        });
        return Json.page(rows, f.limit());
    }

    /** One delivery with all its attempts. */
    public ObjectNode get(String projectId, String id) {
        if (!Ids.isUuid(id)) throw Problem.notFound("delivery");
        return db.read(h -> {
            ObjectNode d = h.createQuery("SELECT " + COLUMNS + FROM + " WHERE d.id = :id AND d.project_id = :p")
                    .bind("id", id).bind("p", projectId).map((rs, ctx) -> row(rs)).findOne()
                    .map(r -> views(h, List.of(r)).get(0))
                    .orElseThrow(() -> Problem.notFound("delivery"));
            ArrayNode attempts = d.putArray("attempts");
            h.createQuery("SELECT attempt_no, started_at, duration_ms, status_code, error_kind, error_message, response_body, response_truncated, "
                            + "request_headers FROM attempts WHERE delivery_id = :id ORDER BY id").bind("id", id)
                    .map((rs, ctx) -> {
                        ObjectNode a = Json.object();
                        a.put("attempt", rs.getInt("attempt_no"));
                        a.put("started_at", iso(rs.getLong("started_at")));
                        a.put("duration_ms", rs.getLong("duration_ms"));
                        int code = rs.getInt("status_code");
                        if (rs.wasNull()) a.putNull("status_code"); else a.put("status_code", code);
                        a.put("error_kind", rs.getString("error_kind"));
                        a.put("error_message", rs.getString("error_message"));
                        a.put("response_body", rs.getString("response_body"));
                        a.put("response_truncated", rs.getInt("response_truncated") == 1);
                        String sent = rs.getString("request_headers");
                        if (sent == null) a.putNull("request_headers"); else a.set("request_headers", Json.parse(sent));
                        return a;
                    }).forEach(attempts::add);
            return d;
        });
    }

    /** Sends a finished delivery again with a fresh schedule (same delivery id). Waiting or in-flight ones are a 409. */
    public ObjectNode retry(String projectId, String id) {
        ObjectNode current = get(projectId, id);
        String status = current.get("status").asString();
        if (!Set.of("dead", "succeeded", "cancelled").contains(status)) {
            throw Problem.conflict("delivery is " + status + "; only dead, succeeded or cancelled deliveries can be retried");
        }
        String channel = current.get("channel").asString();
        ingress.write(q -> {
            Handle h = q.handle();
            String target = h.createQuery("SELECT target_id FROM deliveries WHERE id = :id").bind("id", id).mapTo(String.class).one();
            Channel.TargetState state = state(h, channel, target);
            if (state == Channel.TargetState.GONE) throw Problem.conflict("the target of this delivery (its webhook or connection) was deleted");
            q.requeued(DeliveryRepository.requeue(h, List.of(id), state == Channel.TargetState.ACTIVE ? "pending" : "paused", q.now()));
            return null;
        });
        return get(projectId, id);
    }

    /**
     * Cancels a delivery that has not finished: a pending or paused one at once (the answer shows it
     * {@code cancelled}); one in flight when its current attempt ends (the answer shows it
     * {@code in_flight} with {@code cancel_requested_at}): it is then cancelled instead of retried, unless
     * that attempt succeeded or failed for good. A finished delivery is a conflict. Returns
     * {@code cancelled} or {@code cancelling} with the delivery as it is now.
     */
    public Cancelled cancel(String projectId, String id) {
        if (!Ids.isUuid(id)) throw Problem.notFound("delivery");
        String outcome = ingress.write(q -> DeliveryRepository.cancel(q.handle(), projectId, id, q.now()));
        ObjectNode now = get(projectId, id);
        if (outcome == null) {
            throw Problem.conflict("delivery is " + now.get("status").asString() + "; only pending, paused or in-flight deliveries can be cancelled");
        }
        return new Cancelled(outcome.equals("cancelled"), now);
    }

    /** What {@link #cancel} did: cancelled at once, or (in flight) when its attempt ends; and the delivery now. */
    public record Cancelled(boolean now, ObjectNode delivery) {}

    /**
     * Cancels every unfinished delivery of a message of {@code kind} (an email's recipients): waiting
     * ones at once, those in flight when their attempts end. Returns {cancelled now, cancelling}; a
     * message that is not of this kind in this project is not found.
     */
    public int[] cancelMessage(String projectId, String kind, String messageId, String what) {
        if (!Ids.isUuid(messageId)) throw Problem.notFound(what);
        return ingress.write(q -> {
            Handle h = q.handle();
            boolean exists = h.createQuery("SELECT COUNT(*) FROM messages WHERE id = :m AND project_id = :p AND kind = :k")
                    .bind("m", messageId).bind("p", projectId).bind("k", kind).mapTo(Integer.class).one() > 0;
            if (!exists) throw Problem.notFound(what);
            List<String> open = h.createQuery("SELECT id FROM deliveries WHERE message_id = :m AND project_id = :p "
                            + "AND status IN ('pending', 'paused', 'in_flight') ORDER BY id")
                    .bind("m", messageId).bind("p", projectId).mapTo(String.class).list();
            int[] counts = new int[2];
            for (String id : open) {
                String outcome = DeliveryRepository.cancel(h, projectId, id, q.now());
                if ("cancelled".equals(outcome)) counts[0]++;
                if ("cancelling".equals(outcome)) counts[1]++;
            }
            return counts;
        });
    }

    /** A stored message as listed: what, when; its body is read one at a time ({@link #message}). */
    public record MessageInfo(String id, String type, long createdAt) {}

    /**
     * Which messages to list: {@code type} exact, or a prefix when {@code typePrefix}; created at or after
     * {@code since} and before {@code until} (null: any); after {@code cursor} (the last id of the previous page).
     */
    public record MessageFilter(String type, boolean typePrefix, Long since, Long until, String cursor, int limit) {}

    /** A page of a project's messages of {@code kind}, newest first, and the cursor of the next page (null on the last). */
    public record MessagePage(List<MessageInfo> messages, String nextCursor) {}

    public MessagePage messages(String projectId, String kind, MessageFilter f) {
        List<MessageInfo> rows = db.read(h -> {
            Long cursorAt = null;
            if (f.cursor() != null) {
                cursorAt = h.createQuery("SELECT created_at FROM messages WHERE id = :c AND project_id = :p AND kind = :k")
                        .bind("c", f.cursor()).bind("p", projectId).bind("k", kind).mapTo(Long.class).findOne()
                        .orElseThrow(() -> Problem.invalid("cursor", "'cursor' must be the next_cursor of a previous page"));
            }
            // Newest first along (project_id, created_at), the index every message write already keeps; ids break ties.
            StringBuilder sql = new StringBuilder("SELECT id, type, created_at FROM messages WHERE project_id = :p AND kind = :k");
            if (f.type() != null) sql.append(f.typePrefix() ? " AND substr(type, 1, :tl) = :t" : " AND type = :t");
            if (f.since() != null) sql.append(" AND created_at >= :since");
            if (f.until() != null) sql.append(" AND created_at < :until");
            if (cursorAt != null) sql.append(" AND created_at <= :cat AND (created_at < :cat OR id < :c)");
            sql.append(" ORDER BY created_at DESC, id DESC LIMIT :lim");
            Query q = h.createQuery(sql.toString()).bind("p", projectId).bind("k", kind).bind("lim", f.limit() + 1);
            if (f.type() != null) q.bind("t", f.type());
            if (f.type() != null && f.typePrefix()) q.bind("tl", f.type().length());
            if (f.since() != null) q.bind("since", f.since());
            if (f.until() != null) q.bind("until", f.until());
            if (cursorAt != null) q.bind("cat", cursorAt).bind("c", f.cursor());
            return q.map((rs, ctx) -> new MessageInfo(rs.getString("id"), rs.getString("type"), rs.getLong("created_at"))).list();
        });
        boolean more = rows.size() > f.limit();
        List<MessageInfo> page = more ? rows.subList(0, f.limit()) : rows;
        return new MessagePage(List.copyOf(page), more ? page.get(f.limit() - 1).id() : null);
    }

    /** One message of {@code kind} in the project, with its exact bytes; not found otherwise. */
    public Message message(String projectId, String kind, String id, String what) {
        if (!Ids.isUuid(id)) throw Problem.notFound(what);
        return db.read(h -> h.createQuery("SELECT id, project_id, kind, type, body, created_at FROM messages WHERE id = :id AND project_id = :p AND kind = :k")
                .bind("id", id).bind("p", projectId).bind("k", kind)
                .map((rs, ctx) -> new Message(rs.getString("id"), rs.getString("project_id"), rs.getString("kind"), rs.getString("type"),
                        rs.getBytes("body"), rs.getLong("created_at")))
                .findOne()).orElseThrow(() -> Problem.notFound(what));
    }

    /** Replays dead letters: one by id, all of a webhook's, or all of a message's (an email's recipients), optionally only since a time. */
    public int replay(String projectId, String deliveryId, String targetId, String messageId, Long since) {
        return ingress.write(q -> {
            Handle h = q.handle();
            long now = q.now();
            StringBuilder sql = new StringBuilder("SELECT id, channel, target_id FROM deliveries WHERE project_id = :p AND status = 'dead'");
            if (deliveryId != null) sql.append(" AND id = :id");
            if (targetId != null) sql.append(" AND target_id = :t");
            if (messageId != null) sql.append(" AND message_id = :m");
            if (since != null) sql.append(" AND completed_at >= :since");
            Query dead = h.createQuery(sql.toString()).bind("p", projectId);
            if (deliveryId != null) dead.bind("id", deliveryId);
            if (targetId != null) dead.bind("t", targetId);
            if (messageId != null) dead.bind("m", messageId);
            if (since != null) dead.bind("since", since);
            List<String[]> rows = dead.map((rs, ctx) -> new String[] {rs.getString("id"), rs.getString("channel"), rs.getString("target_id")}).list();
            Map<String, List<String>> byStatus = new HashMap<>();
            for (String[] r : rows) {
                Channel.TargetState s = state(h, r[1], r[2]);
                if (s == Channel.TargetState.GONE) continue;
                byStatus.computeIfAbsent(s == Channel.TargetState.ACTIVE ? "pending" : "paused", k -> new ArrayList<>()).add(r[0]);
            }
            int total = 0;
            for (Map.Entry<String, List<String>> e : byStatus.entrySet()) {
                List<String> ids = e.getValue();
                for (int i = 0; i < ids.size(); i += 500) total += DeliveryRepository.requeue(h, ids.subList(i, Math.min(ids.size(), i + 500)), e.getKey(), now);
            }
            q.requeued(total);
            return total;
        });
    }

    private Channel.TargetState state(Handle h, String channel, String target) {
        Channel c = channels.get(channel);
        return c == null ? Channel.TargetState.GONE : c.targetState(h, target);
    }

    /** One delivery as read, before its channel names its message and target. */
    private record Row(String id, String messageId, String messageType, String channel, String targetId, ObjectNode state) {}

    private static Row row(java.sql.ResultSet rs) throws java.sql.SQLException {
        ObjectNode n = Json.object();
        n.put("status", rs.getString("status"));
        n.put("attempt_count", rs.getInt("attempts"));
        long next = rs.getLong("next_attempt_at");
        boolean waiting = !rs.wasNull() && Set.of("pending", "paused").contains(rs.getString("status"));
        n.put("next_attempt_at", waiting ? iso(next) : null);
        int code = rs.getInt("last_status_code");
        if (rs.wasNull()) n.putNull("last_status_code"); else n.put("last_status_code", code);
        n.put("last_error", rs.getString("last_error"));
        n.put("dead_reason", rs.getString("dead_reason"));
        n.put("created_at", iso(rs.getLong("created_at")));
        n.put("updated_at", iso(rs.getLong("updated_at")));
        long done = rs.getLong("completed_at");
        n.put("completed_at", rs.wasNull() ? null : iso(done));
        long cancel = rs.getLong("cancel_requested_at");
        n.put("cancel_requested_at", rs.wasNull() ? null : iso(cancel));
        return new Row(rs.getString("id"), rs.getString("message_id"), rs.getString("type"), rs.getString("channel"), rs.getString("target_id"), n);
    }

    /** The API views of {@code rows}: id, then what each one's channel calls its message and target, then its state. */
    private List<ObjectNode> views(Handle h, List<Row> rows) {
        Map<String, List<String>> idsByChannel = new HashMap<>();
        for (Row r : rows) idsByChannel.computeIfAbsent(r.channel(), k -> new ArrayList<>()).add(r.id());
        Map<String, Map<String, String>> details = new HashMap<>();
        idsByChannel.forEach((name, ids) -> {
            Channel c = channels.get(name);
            if (c != null) details.putAll(c.details(h, ids));
        });
        List<ObjectNode> out = new ArrayList<>(rows.size());
        for (Row r : rows) {
            ObjectNode n = Json.object();
            n.put("id", r.id());
            Channel c = channels.get(r.channel());
            Channel.View v = new Channel.View(r.messageId(), r.messageType(), r.channel(), r.targetId(), details.getOrDefault(r.id(), Map.of()));
            if (c != null) c.describe(n, v); else Channel.describeAsEvent(n, v);
            n.setAll(r.state());
            out.add(n);
        }
        return out;
    }

    static String iso(long millis) {
        return Instant.ofEpochMilli(millis).toString();
    }
}
