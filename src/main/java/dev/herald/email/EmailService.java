package dev.herald.email;

import dev.herald.config.EmailSettings;
import dev.herald.delivery.DeliveryService;
import dev.herald.delivery.Ingress;
import dev.herald.delivery.Message;
import dev.herald.store.Database;
import dev.herald.store.Sql;
import dev.herald.store.StoreException;
import dev.herald.templates.Templates;
import dev.herald.util.Addresses;
import dev.herald.util.Ids;
import dev.herald.util.Json;
import dev.herald.util.JsonBody;
import dev.herald.util.Problem;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jdbi.v3.core.Handle;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Accepts emails: resolves the template (or inline content), renders it with the caller's variables,
 * builds the MIME message once, and stores it as a message with one delivery per recipient on the
 * {@link EmailChannel}, all in one commit. Any problem (a missing variable, a bad address, a line break
 * in a header) is a 400 before anything is stored. With an Idempotency-Key, a repeat within the TTL
 * returns the first answer and creates nothing.
 */
public final class EmailService {
    public static final String KIND = "email";
    public static final Set<String> FIELDS = Set.of("to", "template", "variables", "subject", "text", "html");
    public static final int MAX_RECIPIENTS = 50;

    private final Database db;
    private final Ingress ingress;
    private final EmailSettings settings;
    private final Addresses.Mailbox from;
    private final Clock clock;

    public EmailService(Database db, Ingress ingress, EmailSettings settings, Clock clock) {
        this.db = db;
        this.ingress = ingress;
        this.settings = settings;
        this.from = Addresses.parse(settings.from());
        this.clock = clock;
    }

    public boolean enabled() {
        return settings.enabled();
    }

    /** The API's answer: the email id, its Message-ID and how many deliveries (recipients); {@code replayed} for an idempotent repeat. */
    public record Accepted(String id, String messageId, int deliveries, boolean replayed) {
        public String json() {
            ObjectNode n = Json.object();
            n.put("id", id);
            n.put("message_id", messageId);
            n.put("deliveries", deliveries);
            return Json.write(n);
        }
    }

    /** A ready email: recipients, what it says, and the name of its template (null when inline). */
    record Draft(List<Addresses.Mailbox> to, MimeComposer.Content content, String template) {}

    /** {@code POST /api/v1/emails}. */
    public Accepted send(String projectId, JsonBody in, String idempotencyKey, String requestHash) {
        if (!settings.enabled()) {
            throw new Problem(Problem.Kind.CONFLICT, "email_disabled", "email is turned off on this server (NOTIFICATION_TRANSPORT=disabled); "
                    + "an operator can set NOTIFICATION_TRANSPORT=smtp", null);
        }
        Draft d = draft(projectId, in);
        long now = clock.millis();
        Prepared p = prepare(projectId, d, now);
        Ingress.IdempotencyKey key = idempotencyKey == null ? null : new Ingress.IdempotencyKey(projectId, "emails", idempotencyKey, requestHash);
        Ingress.Receipt r = ingress.accept(key, q -> insert(q, p).json());
        JsonNode n = Json.parse(r.answer());
        return new Accepted(n.get("id").asString(), n.get("message_id").asString(), n.get("deliveries").asInt(), r.replayed());
    }

    /**
     * Queues an email from inside Herald (an operator notice) in a write under way. The content is
     * already rendered; nothing happens when email is turned off.
     */
    public Optional<String> sendInternal(Ingress.Queue q, String projectId, List<Addresses.Mailbox> to, MimeComposer.Content content, String template) {
        if (!settings.enabled() || to.isEmpty()) return Optional.empty();
        return Optional.of(insert(q, prepare(projectId, new Draft(to, content, template), q.now())).id());
    }

    /** The message and its rows, built outside the writer so the writer only runs SQL. */
    private record Prepared(Message message, Draft draft, String messageId) {}

    private Prepared prepare(String projectId, Draft d, long now) {
        String id = Ids.uuid7(now);
        String messageId = "<" + id + "@" + from.domain() + ">";
        byte[] mime = MimeComposer.compose(from, d.to(), d.content(), messageId, now);
        return new Prepared(new Message(id, projectId, KIND, d.template() == null ? "inline" : d.template(), mime, now), d, messageId);
    }

    private Accepted insert(Ingress.Queue q, Prepared p) {
        Message m = p.message();
        Handle h = q.handle();
        long now = q.now();
        ArrayNode to = Json.array();
        for (Addresses.Mailbox r : p.draft().to()) to.add(r.address());
        List<Addresses.Mailbox> rcpts = p.draft().to();
        List<String> ids = q.enqueue(m, EmailChannel.NAME, Collections.nCopies(rcpts.size(), EmailChannel.TARGET));
        // Plain JDBC on the writer's cached statements: this runs on the one writer thread (see Sql).
        try {
            PreparedStatement e = Sql.cached(h, "INSERT INTO emails (id, project_id, rfc_message_id, envelope_from, template, subject, recipients, "
                    + "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
            e.setString(1, m.id());
            e.setString(2, m.projectId());
            e.setString(3, p.messageId());
            e.setString(4, from.address());
            e.setString(5, p.draft().template());
            e.setString(6, p.draft().content().subject());
            e.setString(7, Json.write(to));
            e.setLong(8, now);
            e.executeUpdate();
            PreparedStatement r = Sql.cached(h, "INSERT INTO email_recipients (delivery_id, email_id, address) VALUES (?, ?, ?)");
            for (int i = 0; i < ids.size(); i++) {
                r.setString(1, ids.get(i));
                r.setString(2, m.id());
                r.setString(3, rcpts.get(i).address());
                r.addBatch();
            }
            r.executeBatch();
        } catch (SQLException ex) {
            throw new StoreException("cannot store email: " + ex.getMessage(), ex);
        }
        return new Accepted(m.id(), p.messageId(), ids.size(), false);
    }

    // ---- reading

    /** The email this project sent with this Message-ID (angle brackets optional), read in the write under way. */
    public Optional<String> byMessageId(Ingress.Queue q, String projectId, String messageId) {
        String m = messageId.strip();
        String bracketed = m.startsWith("<") ? m : "<" + m + ">";
        return q.handle().createQuery("SELECT id FROM emails WHERE project_id = :p AND rfc_message_id = :m").bind("p", projectId).bind("m", bracketed)
                .mapTo(String.class).findOne();
    }

    /** One email: its Message-ID, overall status and, per recipient, the delivery with its attempts. */
    public ObjectNode get(String projectId, String id, DeliveryService deliveries) {
        if (!Ids.isUuid(id)) throw Problem.notFound("email");
        ObjectNode e = db.read(h -> h.createQuery("SELECT id, rfc_message_id, envelope_from, template, subject, recipients, created_at FROM emails "
                + "WHERE id = :id AND project_id = :p").bind("id", id).bind("p", projectId).map((rs, ctx) -> {
                    ObjectNode n = Json.object();
                    n.put("id", rs.getString("id"));
                    n.put("message_id", rs.getString("rfc_message_id"));
                    n.put("status", "pending");
                    n.put("template", rs.getString("template"));
                    n.put("subject", rs.getString("subject"));
                    n.put("from", rs.getString("envelope_from"));
                    n.set("to", Json.parse(rs.getString("recipients")));
                    n.put("created_at", Instant.ofEpochMilli(rs.getLong("created_at")).toString());
                    return n;
                }).findOne()).orElseThrow(() -> Problem.notFound("email"));
        List<String> ids = db.read(h -> h.createQuery("SELECT delivery_id FROM email_recipients WHERE email_id = :e ORDER BY delivery_id")
                .bind("e", id).mapTo(String.class).list());
        ArrayNode list = e.putArray("deliveries");
        Set<String> statuses = new HashSet<>();
        for (String d : ids) {
            ObjectNode n = deliveries.get(projectId, d);
            statuses.add(n.get("status").asString());
            list.add(n);
        }
        e.put("status", status(statuses));
        return e;
    }

    /** {@code pending} while any recipient waits; then {@code sent}, {@code cancelled} (every recipient), {@code failed} or {@code partial}. */
    static String status(Set<String> s) {
        if (s.contains("pending") || s.contains("in_flight") || s.contains("paused") || s.isEmpty()) return "pending";
        if (s.equals(Set.of("succeeded"))) return "sent";
        if (s.equals(Set.of("cancelled"))) return "cancelled";
        return s.contains("succeeded") ? "partial" : "failed";
    }

    // ---- the request

    private Draft draft(String projectId, JsonBody in) {
        List<Addresses.Mailbox> to = recipients(in);
        String template = in.string("template", false);
        Map<String, Object> variables = variables(in);
        boolean inline = in.has("subject") || in.has("text") || in.has("html");
        if (template != null && inline) {
            throw Problem.invalid("template", "give either 'template' or inline 'subject' with 'text' and/or 'html', not both");
        }
        if (template == null && !inline) throw Problem.invalid("template", "give 'template', or inline 'subject' with 'text' and/or 'html'");
        if (template != null) {
            TemplateService.checkName(template);
            EmailTemplate t = db.read(h -> TemplateService.find(h, projectId, template))
                    .orElseThrow(() -> Problem.invalid("template", "no email template '" + template + "' in this project"));
            return new Draft(to, render("template '" + template + "'", template, t.subject(), t.text(), t.html(), variables == null ? Map.of() : variables),
                    template);
        }
        String subject = in.string("subject", true);
        String text = in.string("text", false);
        String html = in.string("html", false);
        if (text == null && html == null) throw Problem.invalid("text", "give 'text', 'html' or both");
        TemplateService.validate(null, subject, text, html, variables != null);
        if (variables == null) return new Draft(to, new MimeComposer.Content(subject, text, html), null);
        return new Draft(to, render("the inline content", null, subject, text, html, variables), null);
    }

    /**
     * Renders every part, or fails naming the first missing variable; the subject must stay one line.
     * {@code template} names a stored template (null for inline content): a part that renders beyond its
     * budget is refused naming {@code template}, else naming the inline part.
     */
    static MimeComposer.Content render(String what, String template, String subject, String text, String html, Map<String, Object> variables) {
        Templates.Compiled s = Templates.compile(Templates.Part.SUBJECT, subject, "subject");
        for (String v : Templates.variables(s)) {
            if (variables.get(v) instanceof String value) {
                try {
                    Addresses.refuseControl(value, "'variables." + v + "'");
                } catch (IllegalArgumentException e) {
                    throw Problem.invalid("variables." + v, e.getMessage() + "; it is used in the subject, which is one line");
                }
            }
        }
        String renderedSubject = Templates.render(Templates.Part.SUBJECT, s, variables, what, template != null ? "template" : "subject");
        try {
            Addresses.refuseControl(renderedSubject, "the rendered subject");
        } catch (IllegalArgumentException e) {
            throw Problem.invalid("subject", e.getMessage() + "; a subject is one line");
        }
        if (renderedSubject.isBlank()) throw Problem.invalid("subject", "the rendered subject is empty");
        String t = text == null ? null : body(Templates.Part.TEXT, text, variables, what, template);
        String h = html == null ? null : body(Templates.Part.HTML_BODY, html, variables, what, template);
        return new MimeComposer.Content(renderedSubject, t, h);
    }

    private static String body(Templates.Part part, String source, Map<String, Object> variables, String what, String template) {
        Templates.Compiled c = Templates.compile(part, source, part.field());
        return Templates.render(part, c, variables, what, template != null ? "template" : part.field());
    }

    private static List<Addresses.Mailbox> recipients(JsonBody in) {
        JsonNode v = in.raw("to");
        if (v == null || v.isNull()) throw Problem.invalid("to", "'to' is required: an array of 1 to " + MAX_RECIPIENTS + " addresses");
        if (!v.isArray() || v.isEmpty() || v.size() > MAX_RECIPIENTS) {
            throw Problem.invalid("to", "'to' must be an array of 1 to " + MAX_RECIPIENTS + " addresses");
        }
        List<Addresses.Mailbox> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < v.size(); i++) {
            String field = "to[" + i + "]";
            JsonNode e = v.get(i);
            Addresses.Mailbox m;
            try {
                if (e.isString()) {
                    m = Addresses.recipient(Addresses.parse(e.asString()));
                } else if (e instanceof ObjectNode o) {
                    JsonBody b = JsonBody.of(o, field).only(Set.of("email", "name"));
                    m = Addresses.recipient(Addresses.of(b.string("email", true), b.string("name", false)));
                } else {
                    throw Problem.invalid(field, "'" + field + "' must be an address string or {\"email\", \"name\"}");
                }
            } catch (IllegalArgumentException ex) {
                throw Problem.invalid(field, "'" + field + "': " + ex.getMessage());
            }
            if (!seen.add(m.address().toLowerCase(java.util.Locale.ROOT))) throw Problem.invalid(field, "'" + field + "' repeats " + m.address());
            out.add(m);
        }
        return out;
    }

    private static Map<String, Object> variables(JsonBody in) {
        JsonNode v = in.raw("variables");
        if (v == null || v.isNull()) return null;
        if (!(v instanceof ObjectNode o)) throw Problem.invalid("variables", "'variables' must be an object");
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) value(o, "variables", 0);
        return m;
    }

    /** How deeply objects and lists may nest in {@code variables} ({@code {"a": {"b": ...}}} is 2). */
    public static final int MAX_VARIABLE_DEPTH = 32;

    /** JSON to what templates read: maps, lists, strings (numbers as written), booleans. */
    private static Object value(JsonNode n, String path, int depth) {
        if (n.isNull()) throw Problem.invalid(path, "'" + path + "' must not be null");
        if (n.isString()) return n.asString();
        if (n.isBoolean()) return n.booleanValue();
        if (n.isNumber()) return n.toString();
        if (depth >= MAX_VARIABLE_DEPTH) {
            throw Problem.invalid(path, "'variables' nests objects and lists more than " + MAX_VARIABLE_DEPTH + " deep (at '" + path + "')");
        }
        if (n.isArray()) {
            List<Object> l = new ArrayList<>();
            for (int i = 0; i < n.size(); i++) l.add(value(n.get(i), path + "[" + i + "]", depth + 1));
            return l;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : n.properties()) m.put(e.getKey(), value(e.getValue(), path + "." + e.getKey(), depth + 1));
        return m;
    }
}
