package dev.herald.mail;

import dev.herald.delivery.DeliveryService;
import dev.herald.metrics.Metrics;
import dev.herald.store.Database;
import dev.herald.util.Ids;
import dev.herald.util.Json;
import dev.herald.util.Problem;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.jdbi.v3.core.statement.Query;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Received mail as the API shows it: lists, one message with its attachments and what each route
 * delivered, the raw bytes, attachments by id; and the retention that deletes old mail (and publishes
 * the stored sizes to {@code /metrics}).
 */
public final class MailMessages {
    private static final Logger log = LoggerFactory.getLogger(MailMessages.class);
    private static final int BATCH = 200;

    private final Database db;
    private final DeliveryService deliveries;
    private final Metrics metrics;
    private final Clock clock;
    private final Duration retention;

    public MailMessages(Database db, DeliveryService deliveries, Metrics metrics, Clock clock, Duration retention) {
        this.db = db;
        this.deliveries = deliveries;
        this.metrics = metrics;
        this.clock = clock;
        this.retention = retention;
    }

    /** Filters of the list; null means any. */
    public record Filter(String messageId, String from, String rcpt, String subject, Long since, Long until, String cursor, int limit) {}

    public ObjectNode list(String projectId, Filter f) {
        if (f.cursor() != null && !Ids.isUuid(f.cursor())) throw Problem.invalid("cursor", "'cursor' is not a cursor from a previous page");
        List<ObjectNode> rows = db.read(h -> {
            StringBuilder sql = new StringBuilder("SELECT " + SUMMARY + " FROM mail_messages WHERE project_id = :p");
            if (f.messageId() != null) sql.append(" AND message_id = :mid");
            if (f.from() != null) sql.append(" AND from_address = :from");
            // Recipients are stored as a JSON array of lower-case addresses: a quoted address is an exact element.
            if (f.rcpt() != null) sql.append(" AND rcpt_to LIKE :rcpt ESCAPE '!'");
            if (f.subject() != null) sql.append(" AND LOWER(subject) LIKE :subject ESCAPE '!'");
            if (f.since() != null) sql.append(" AND received_at >= :since");
            if (f.until() != null) sql.append(" AND received_at < :until");
            if (f.cursor() != null) sql.append(" AND id < :c");
            sql.append(" ORDER BY id DESC LIMIT :lim");
            Query q = h.createQuery(sql.toString()).bind("p", projectId).bind("lim", f.limit() + 1);
            if (f.messageId() != null) q.bind("mid", f.messageId());
            if (f.from() != null) q.bind("from", f.from().toLowerCase(Locale.ROOT));
            if (f.rcpt() != null) q.bind("rcpt", "%" + like(Json.write(f.rcpt().toLowerCase(Locale.ROOT))) + "%");
            if (f.subject() != null) q.bind("subject", "%" + like(f.subject().toLowerCase(Locale.ROOT)) + "%");
            if (f.since() != null) q.bind("since", f.since());
            if (f.until() != null) q.bind("until", f.until());
            if (f.cursor() != null) q.bind("c", Ids.canonical(f.cursor()));
            return q.map((rs, ctx) -> summary(rs)).list();
        });
        return Json.page(rows, f.limit());
    }

    /** {@code s} with LIKE's wildcards escaped (escape character {@code !}). */
    private static String like(String s) {
        return s.replace("!", "!!").replace("%", "!%").replace("_", "!_");
    }

    private static final String SUMMARY = "id, message_id, transport, subject, from_address, from_name, rcpt_to, attachment_count, size, flags, routed, received_at";

    /** A message as lists show it, from the columns of {@link #SUMMARY} (never the raw bytes or the whole document). */
    private static ObjectNode summary(java.sql.ResultSet rs) throws java.sql.SQLException {
        ObjectNode v = Json.object();
        v.put("id", rs.getString("id"));
        v.put("message_id", rs.getString("message_id"));
        v.put("received_at", Instant.ofEpochMilli(rs.getLong("received_at")).toString());
        v.put("transport", rs.getString("transport"));
        String from = rs.getString("from_address");
        if (from != null) {
            ObjectNode f = v.putObject("from");
            f.put("address", from);
            String name = rs.getString("from_name");
            if (name != null) f.put("name", name);
        }
        v.set("rcpt_to", Json.parse(rs.getString("rcpt_to")));
        String subject = rs.getString("subject");
        if (subject != null) v.put("subject", subject);
        v.put("size", rs.getLong("size"));
        v.put("attachments", rs.getInt("attachment_count"));
        v.set("flags", Json.parse(rs.getString("flags")));
        v.set("routes", Json.parse(rs.getString("routed")));
        return v;
    }

    /** One message: the summary, the parsed document, and each route's deliveries with their status. */
    public ObjectNode get(String projectId, String id) {
        String mid = canonical(id);
        ObjectNode v = db.read(h -> h.createQuery("SELECT " + SUMMARY + ", document, event_id FROM mail_messages WHERE id = :id AND project_id = :p")
                .bind("id", mid).bind("p", projectId)
                .map((rs, ctx) -> {
                    ObjectNode s = summary(rs);
                    s.put("event_id", rs.getString("event_id"));
                    s.set("document", Json.parse(rs.getString("document")));
                    return s;
                }).findOne()).orElseThrow(() -> Problem.notFound("message"));
        List<String[]> queued = db.read(h -> h.createQuery("SELECT id, route_id FROM mail_deliveries WHERE mail_message_id = :m ORDER BY id").bind("m", mid)
                .map((rs, ctx) -> new String[] {rs.getString(1), rs.getString(2)}).list());
        ArrayNode routes = (ArrayNode) v.get("routes");
        for (JsonNode r : routes) {
            ArrayNode ds = ((ObjectNode) r).putArray("deliveries");
            for (String[] q : queued) {
                if (!q[1].equals(r.path("route_id").asString())) continue;
                for (JsonNode d : deliveries.list(projectId, new DeliveryService.Filter(null, q[0], null, null, null, 100, null)).path("data")) ds.add(d);
            }
        }
        return v;
    }

    /** The message as it arrived. */
    public byte[] raw(String projectId, String id) {
        String mid = canonical(id);
        return db.read(h -> h.createQuery("SELECT raw FROM mail_messages WHERE id = :id AND project_id = :p").bind("id", mid).bind("p", projectId)
                .mapTo(byte[].class).findOne()).orElseThrow(() -> Problem.notFound("message"));
    }

    /** An attachment's metadata, looked up by the message's Message-ID (or Herald id) and the attachment id, in the caller's project. */
    public record AttachmentInfo(String id, String mailId, String filename, String contentType, long size, String sha256) {}

    public AttachmentInfo attachment(String projectId, String messageId, String attachmentId) {
        if (!Ids.isUuid(attachmentId)) throw Problem.notFound("attachment");
        String aid = Ids.canonical(attachmentId);
        return db.read(h -> h.createQuery("SELECT a.id, a.mail_message_id, a.filename, a.content_type, a.size, a.sha256, m.message_id FROM mail_attachments a "
                        + "JOIN mail_messages m ON m.id = a.mail_message_id WHERE a.id = :a AND m.project_id = :p").bind("a", aid).bind("p", projectId)
                .map((rs, ctx) -> {
                    String stored = rs.getString("message_id");
                    String mail = rs.getString("mail_message_id");
                    if (!messageId.equals(stored) && !stripBrackets(messageId).equals(stripBrackets(stored)) && !messageId.equalsIgnoreCase(mail)) {
                        return null;
                    }
                    return new AttachmentInfo(rs.getString("id"), mail, rs.getString("filename"), rs.getString("content_type"), rs.getLong("size"),
                            rs.getString("sha256"));
                }).findOne()).filter(a -> a != null).orElseThrow(() -> Problem.notFound("attachment"));
    }

    /** An attachment's bytes by id alone (a pre-signed URL already proved the right to it). */
    public record Content(String filename, String contentType, byte[] bytes) {}

    public Optional<Content> content(String attachmentId) {
        if (!Ids.isUuid(attachmentId)) return Optional.empty();
        return db.read(h -> h.createQuery("SELECT filename, content_type, content FROM mail_attachments WHERE id = :a").bind("a", Ids.canonical(attachmentId))
                .map((rs, ctx) -> new Content(rs.getString(1), rs.getString(2), rs.getBytes(3))).findOne());
    }

    /** Deletes mail received before the retention and refreshes the stored-size gauges; returns the number of messages deleted. */
    public int prune() {
        int total = 0;
        try {
            if (!retention.isZero()) {
                long cutoff = clock.millis() - retention.toMillis();
                while (true) {
                    int n = db.writer().execute(h -> {
                        List<String> ids = h.createQuery("SELECT id FROM mail_messages WHERE received_at < :c ORDER BY received_at LIMIT :n")
                                .bind("c", cutoff).bind("n", BATCH).mapTo(String.class).list();
                        if (ids.isEmpty()) return 0;
                        h.createUpdate("DELETE FROM mail_attachments WHERE mail_message_id IN (<ids>)").bindList("ids", ids).execute();
                        return h.createUpdate("DELETE FROM mail_messages WHERE id IN (<ids>)").bindList("ids", ids).execute();
                    });
                    total += n;
                    if (n < BATCH) break;
                }
                if (total > 0) log.info("mail retention removed {} messages older than {}", total, retention);
            }
            db.read(h -> h.createQuery("SELECT COUNT(*), COALESCE(SUM(size), 0), COALESCE(SUM(attachments_size), 0) FROM mail_messages")
                    .map((rs, ctx) -> {
                        metrics.mailStored(rs.getLong(1), rs.getLong(2), rs.getLong(3));
                        return 1;
                    }).one());
        } catch (RuntimeException e) {
            log.warn("mail retention pass failed: {}", e.getMessage());
        }
        return total;
    }

    private static String canonical(String id) {
        if (!Ids.isUuid(id)) throw Problem.notFound("message");
        return Ids.canonical(id);
    }

    private static String stripBrackets(String s) {
        String t = s.strip();
        return t.startsWith("<") && t.endsWith(">") ? t.substring(1, t.length() - 1) : t;
    }
}
