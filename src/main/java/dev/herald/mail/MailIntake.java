package dev.herald.mail;

import dev.herald.delivery.Ingress;
import dev.herald.delivery.Message;
import dev.herald.metrics.Metrics;
import dev.herald.store.Database;
import dev.herald.templates.Templates;
import dev.herald.util.Hashes;
import dev.herald.util.Ids;
import dev.herald.util.Json;
import dev.herald.util.Problem;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The one way inbound mail enters Herald, for SMTP and the HTTP inbox alike: parse, store the raw message
 * and its attachments, route it, and queue one delivery per endpoint of each matching route plus the
 * {@code email.received} event, all in one write through the {@link Ingress}. When this returns, the
 * message is committed (SMTP may answer 250, the inbox 202); when it throws, nothing was stored and the
 * sender must retry.
 *
 * <p>Hazard: parsing and rendering happen before the write, so the writer only runs SQL; the parse never
 * throws (malformed mail is stored and flagged) and a route whose custom template fails on this message
 * is recorded on the message instead of failing the rest.
 */
public final class MailIntake {
    public static final String KIND = "mail";
    public static final String EVENT_TYPE = "email.received";
    /** More Received headers than this is a loop (RFC 5321 section 6.3): refused. */
    static final int MAX_HOPS = 50;
    /** Messages parsed and stored at once, over both ways in: each takes a few copies of its size in memory. */
    public static final int AT_ONCE = 4;
    private final java.util.concurrent.Semaphore working = new java.util.concurrent.Semaphore(AT_ONCE, true);

    private final Database db;
    private final Ingress ingress;
    private final MailDomains domains;
    private final Routes routes;
    private final MailPorts.Events events;
    private final MailPorts.SentMail sent;
    private final Metrics metrics;
    private final Clock clock;

    public MailIntake(Database db, Ingress ingress, MailDomains domains, Routes routes, MailPorts.Events events, MailPorts.SentMail sent,
                      Metrics metrics, Clock clock) {
        this.db = db;
        this.ingress = ingress;
        this.domains = domains;
        this.routes = routes;
        this.events = events;
        this.sent = sent;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** Whether mail for an address is taken, and for which project. */
    public enum Verdict { ACCEPTED, UNKNOWN_DOMAIN, NO_ROUTE }

    public record Recipient(Verdict verdict, String projectId) {}

    /** The RCPT TO check: the domain is claimed by a project and one of its enabled routes takes the address. */
    public Recipient recipient(String address) {
        String a = address.toLowerCase(Locale.ROOT);
        String project = domains.projectOf(a).orElse(null);
        if (project == null) return new Recipient(Verdict.UNKNOWN_DOMAIN, null);
        boolean routed = db.read(h -> Routes.acceptsRecipient(h, project, a));
        return new Recipient(routed ? Verdict.ACCEPTED : Verdict.NO_ROUTE, project);
    }

    /** One stored message: its id, the project, its Message-ID, how many deliveries it queued, whether it was held as a loop. */
    public record Stored(String id, String projectId, String messageId, int deliveries, boolean loop) {
        public ObjectNode json() {
            ObjectNode n = Json.object();
            n.put("id", id);
            n.put("message_id", messageId);
            n.put("deliveries", deliveries);
            if (loop) n.put("loop", true);
            return n;
        }
    }

    /** SMTP: stores the message once for each project its (accepted) recipients belong to, in one commit. */
    public List<Stored> receiveSmtp(Envelope env, byte[] raw) {
        return bounded(() -> smtp(env, raw));
    }

    private List<Stored> smtp(Envelope env, byte[] raw) {
        Map<String, List<String>> byProject = new LinkedHashMap<>();
        for (String r : env.rcptTo()) {
            Recipient rc = recipient(r);
            if (rc.verdict() == Verdict.ACCEPTED) byProject.computeIfAbsent(rc.projectId(), k -> new ArrayList<>()).add(r.toLowerCase(Locale.ROOT));
        }
        if (byProject.isEmpty()) throw new Problem(Problem.Kind.UNPROCESSABLE, "no_recipients", "no recipient of this message is routed any more", "rcpt_to");
        ParsedMail parsed = MailParser.parse(raw);
        checkHops(parsed);
        List<Prepared> all = new ArrayList<>();
        byProject.forEach((project, rcpts) -> all.add(prepare(project, envelopeFor(env, rcpts), parsed, raw)));
        return store(all, "smtp");
    }

    /** The HTTP inbox: one project; recipients are the envelope's, else the message's To and Cc. */
    public Stored receive(String projectId, Envelope env, byte[] raw) {
        return bounded(() -> inbox(projectId, env, raw));
    }

    private <T> T bounded(java.util.function.Supplier<T> work) {
        try {
            working.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting to store a message", e);
        }
        try {
            return work.get();
        } finally {
            working.release();
        }
    }

    private Stored inbox(String projectId, Envelope env, byte[] raw) {
        ParsedMail parsed = MailParser.parse(raw);
        checkHops(parsed);
        Envelope e = env;
        if (e.rcptTo().isEmpty()) {
            Set<String> rcpts = new TreeSet<>();
            parsed.to().forEach(m -> rcpts.add(m.address()));
            parsed.cc().forEach(m -> rcpts.add(m.address()));
            e = new Envelope(env.mailFrom(), List.copyOf(rcpts), env.remoteAddress(), env.helo(), env.tls(), env.transport());
        }
        return store(List.of(prepare(projectId, e, parsed, raw)), "http").get(0);
    }

    /** Routes the stored message again (its routes as they are now): new deliveries, same idempotency keys. */
    public int replay(String projectId, String mailId) {
        Loaded m = load(projectId, mailId);
        List<Routed> routed = route(projectId, m.parsed(), m.rcpts(), m.doc());
        return ingress.write(q -> {
            int n = 0;
            for (Routed r : routed) n += enqueue(q, projectId, mailId, m.parsed().messageId(), r);
            return n;
        });
    }

    /** What routing a stored message would do now, without doing it: a route that matches and the body its mapper makes, or why it makes none. */
    public record Preview(Route route, byte[] body, String error) {}

    /** Routes a stored message as {@link #replay} would (the project's routes as they are now) and returns each match's rendering; sends nothing. */
    public List<Preview> preview(String projectId, String mailId) {
        Loaded m = load(projectId, mailId);
        List<Preview> out = new ArrayList<>();
        for (Routed r : route(projectId, m.parsed(), m.rcpts(), m.doc())) out.add(new Preview(r.route(), r.body(), r.error()));
        return out;
    }

    /** A stored message read back: parsed again from its raw bytes, its document and its recipients. */
    private record Loaded(ParsedMail parsed, ObjectNode doc, List<String> rcpts) {}

    private Loaded load(String projectId, String mailId) {
        byte[][] raw = new byte[1][];
        String[] envelope = new String[1];
        db.read(h -> h.createQuery("SELECT raw, document FROM mail_messages WHERE id = :id AND project_id = :p").bind("id", mailId).bind("p", projectId)
                .map((rs, ctx) -> {
                    raw[0] = rs.getBytes("raw");
                    envelope[0] = rs.getString("document");
                    return 1;
                }).findOne()).orElseThrow(() -> Problem.notFound("message"));
        ObjectNode doc = (ObjectNode) Json.parse(envelope[0]);
        ParsedMail parsed = MailParser.parse(raw[0]);
        List<String> rcpts = new ArrayList<>();
        doc.path("envelope").path("rcpt_to").forEach(n -> rcpts.add(n.asString()));
        return new Loaded(parsed, doc, rcpts);
    }

    private static void checkHops(ParsedMail parsed) {
        long hops = parsed.headers().stream().filter(h -> h.name().equals("received")).count();
        if (hops > MAX_HOPS) {
            throw new Problem(Problem.Kind.UNPROCESSABLE, "mail_loop", "the message has passed " + hops + " relays (more than " + MAX_HOPS + "): a mail loop", null);
        }
    }

    private static Envelope envelopeFor(Envelope env, List<String> rcpts) {
        return new Envelope(env.mailFrom(), List.copyOf(new TreeSet<>(rcpts)), env.remoteAddress(), env.helo(), env.tls(), env.transport());
    }

    /** A route's outcome for one message: the body to send, or why there is none. */
    private record Routed(Route route, byte[] body, String error) {}

    private record Prepared(String id, String projectId, Envelope env, ParsedMail parsed, byte[] raw, List<GenericJson.Attachment> attachments,
                            ObjectNode doc, List<Routed> routed, long now) {}

    private Prepared prepare(String projectId, Envelope env, ParsedMail parsed, byte[] raw) {
        long now = clock.millis();
        String id = Ids.uuid7(now);
        List<GenericJson.Attachment> attachments = new ArrayList<>();
        for (ParsedMail.Part p : parsed.parts()) attachments.add(new GenericJson.Attachment(Ids.uuid7(now), p));
        ObjectNode doc = GenericJson.document(id, parsed, env, attachments, Instant.ofEpochMilli(now));
        return new Prepared(id, projectId, env, parsed, raw, attachments, doc, route(projectId, parsed, env.rcptTo(), doc), now);
    }

    private List<Routed> route(String projectId, ParsedMail parsed, List<String> rcpts, ObjectNode doc) {
        List<Routed> out = new ArrayList<>();
        for (Route r : Routes.select(db.read(h -> Routes.all(h, projectId)), parsed, rcpts)) {
            try {
                Templates.Compiled t = routes.template(r);
                out.add(new Routed(r, Mappers.render(r.mapper(), t, doc), null));
            } catch (Problem e) {
                out.add(new Routed(r, null, e.getMessage()));
            }
        }
        return out;
    }

    private List<Stored> store(List<Prepared> all, String transport) {
        try {
            List<Stored> stored = ingress.write(q -> {
                List<Stored> out = new ArrayList<>();
                for (Prepared p : all) out.add(store(q, p));
                return out;
            });
            metrics.mailReceived(transport, "accepted");
            return stored;
        } catch (RuntimeException e) {
            metrics.mailReceived(transport, "failed");
            throw e;
        }
    }

    private Stored store(Ingress.Queue q, Prepared p) {
        boolean loop = sent.byMessageId(q, p.projectId(), p.parsed().messageId()).isPresent();
        List<String> flags = new ArrayList<>(p.parsed().flags());
        if (loop) flags.add("loop");
        long attachmentBytes = 0;
        for (GenericJson.Attachment a : p.attachments()) attachmentBytes += a.part().content().length;
        ArrayNode routedView = Json.array();
        int deliveries = 0;
        if (!loop) {
            for (Routed r : p.routed()) {
                ObjectNode v = routedView.addObject();
                v.put("route_id", r.route().id());
                v.put("route_name", r.route().name());
                if (r.error() != null) {
                    v.put("error", r.error());
                    continue;
                }
                deliveries += enqueue(q, p.projectId(), p.id(), p.parsed().messageId(), r);
            }
        }
        String eventId = loop ? null : events.publish(q, p.projectId(), EVENT_TYPE, p.doc());
        ParsedMail m = p.parsed();
        q.handle().createUpdate("INSERT INTO mail_messages (id, project_id, message_id, transport, mail_from, subject, from_address, from_name, rcpt_to, "
                        + "attachment_count, size, attachments_size, flags, document, routed, event_id, raw, received_at) VALUES (:id, :p, :mid, :t, :mf, :s, "
                        + ":fa, :fn, :rcpt, :ac, :size, :as, :flags, :doc, :routed, :ev, :raw, :at)")
                .bind("id", p.id()).bind("p", p.projectId()).bind("mid", m.messageId()).bind("t", p.env().transport()).bind("mf", p.env().mailFrom())
                .bind("s", m.subject()).bind("fa", m.from() == null ? null : m.from().address()).bind("fn", m.from() == null ? null : m.from().name())
                .bind("rcpt", p.doc().path("envelope").has("rcpt_to") ? Json.write(p.doc().path("envelope").get("rcpt_to")) : "[]").bind("ac", p.attachments().size()).bind("size", (long) p.raw().length)
                .bind("as", attachmentBytes).bind("flags", Json.write(flags)).bind("doc", new String(GenericJson.bytes(p.doc()), StandardCharsets.UTF_8))
                .bind("routed", Json.write(routedView)).bind("ev", eventId).bind("raw", p.raw()).bind("at", p.now())
                .execute();
        int pos = 0;
        for (GenericJson.Attachment a : p.attachments()) {
            ParsedMail.Part part = a.part();
            q.handle().createUpdate("INSERT INTO mail_attachments (id, mail_message_id, position, filename, content_type, size, is_inline, content_id, "
                            + "sha256, content) VALUES (:id, :m, :pos, :fn, :ct, :size, :inline, :cid, :sha, :content)")
                    .bind("id", a.id()).bind("m", p.id()).bind("pos", pos++).bind("fn", part.filename()).bind("ct", part.contentType())
                    .bind("size", (long) part.content().length).bind("inline", part.inline() ? 1 : 0).bind("cid", part.contentId())
                    .bind("sha", part.sha256()).bind("content", part.content())
                    .execute();
        }
        return new Stored(p.id(), p.projectId(), m.messageId(), deliveries, loop);
    }

    /** Queues a route's body to its endpoints that still exist; returns the number of deliveries. */
    private int enqueue(Ingress.Queue q, String projectId, String mailId, String messageId, Routed r) {
        if (r.error() != null) return 0;
        List<String> targets = new ArrayList<>(Endpoints.findAll(q.handle(), r.route().endpointIds()).keySet());
        targets.sort(null);
        if (targets.isEmpty()) return 0;
        Message m = new Message(Ids.uuid7(q.now()), projectId, KIND, EVENT_TYPE, r.body(), q.now());
        int n = q.enqueue(m, MailEndpointChannel.NAME, targets).size();
        q.handle().createUpdate("INSERT INTO mail_deliveries (id, mail_message_id, route_id, idempotency_key, created_at) VALUES (:id, :m, :r, :k, :at)")
                .bind("id", m.id()).bind("m", mailId).bind("r", r.route().id()).bind("k", idempotencyKey(messageId, r.route().id()))
                .bind("at", q.now()).execute();
        return n;
    }

    /** The seed's idempotency key: hex SHA-256 of {@code "{message_id}|{route_id}"}. */
    public static String idempotencyKey(String messageId, String routeId) {
        return Hashes.sha256Hex(messageId + "|" + routeId);
    }
}
