package dev.herald.inbound;

import dev.herald.delivery.Ingress;
import dev.herald.metrics.Metrics;
import dev.herald.store.Database;
import dev.herald.util.Ids;
import dev.herald.util.Json;
import dev.herald.util.Problem;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Provider callbacks end to end: find the source, verify the request with the provider's own scheme,
 * parse it into status items, and in one write record the request, keep each new item (a provider's
 * retry of an item already kept creates nothing) and publish it as a {@code message.<status>} event in
 * the source's project, through the one ingress. The caller answers 2xx only after that write committed.
 *
 * <p>Hazard: a failed verification changes nothing but the request record (time, source, reason, peer;
 * never the body), so a forger learns nothing and fills nothing but a bounded, pruned log.
 */
public final class InboundService {
    private static final Logger log = LoggerFactory.getLogger(InboundService.class);

    private final InboundSources sources;
    private final Database db;
    private final Ingress ingress;
    private final InboundPorts.Events events;
    private final InboundPorts.Emails emails;
    private final Clock clock;
    private final Metrics metrics;
    private final Duration requestRetention;

    public InboundService(InboundSources sources, Database db, Ingress ingress, InboundPorts.Events events, InboundPorts.Emails emails,
                          Clock clock, Metrics metrics, Duration requestRetention) {
        this.sources = sources;
        this.db = db;
        this.ingress = ingress;
        this.events = events;
        this.emails = emails;
        this.clock = clock;
        this.metrics = metrics;
        this.requestRetention = requestRetention;
    }

    /** What became of a callback. */
    public enum Outcome { ACCEPTED, REJECTED, NOT_FOUND }

    /** The outcome, how many statuses were new and how many repeated, and why a rejected one was. */
    public record Result(Outcome outcome, int statuses, int duplicates, String reason) {}

    /** A POST from a provider. A payload that passes verification but cannot be read throws {@link Problem} (400), recorded. */
    public Result receive(String sourceId, CallbackRequest r) {
        Optional<InboundSources.Opened> found = sources.open(sourceId);
        if (found.isEmpty()) return new Result(Outcome.NOT_FOUND, 0, 0, "no such source");
        InboundSources.Opened o = found.get();
        Provider provider = Providers.find(o.source().provider()).orElseThrow();
        Instant now = clock.instant();
        String refused;
        try {
            refused = provider.verify(r, o.verifiable(), now);
        } catch (RuntimeException e) {
            refused = "unverifiable request";
            log.debug("verification of a {} callback failed: {}", provider.name(), e.toString());
        }
        if (refused != null) {
            reject(o.source(), r, "rejected", refused);
            return new Result(Outcome.REJECTED, 0, 0, refused);
        }
        List<StatusItem> items;
        try {
            items = provider.parse(r, o.verifiable());
        } catch (Problem p) {
            reject(o.source(), r, "invalid", p.getMessage());
            throw p;
        }
        int[] counts = ingress.write(q -> keep(q, o.source(), r, items));
        metrics.inboundCallback(provider.name(), "verified");
        if (counts[1] > 0) metrics.inboundCallback(provider.name(), "duplicate");
        return new Result(Outcome.ACCEPTED, counts[0], counts[1], null);
    }

    /** Whether a GET to this source is a callback to {@link #receive} (its provider's callbacks may come as GETs) rather than a handshake. */
    public boolean takesCallbacksByGet(String sourceId) {
        return sources.provider(sourceId).flatMap(Providers::find).map(Provider::callbacksByGet).orElse(false);
    }

    /** An unsigned GET (Meta's subscription handshake): the body to echo, or why it was refused. */
    public Result handshake(String sourceId, CallbackRequest r, StringBuilder answer) {
        Optional<InboundSources.Opened> found = sources.open(sourceId);
        if (found.isEmpty()) return new Result(Outcome.NOT_FOUND, 0, 0, "no such source");
        InboundSources.Opened o = found.get();
        Provider provider = Providers.find(o.source().provider()).orElseThrow();
        Optional<Provider.Handshake> h = provider.handshake(r, o.verifiable());
        if (h.isEmpty()) return new Result(Outcome.NOT_FOUND, 0, 0, "this provider makes no handshake");
        if (!h.get().accepted()) {
            reject(o.source(), r, "rejected", "handshake: " + h.get().reason());
            return new Result(Outcome.REJECTED, 0, 0, h.get().reason());
        }
        record(o.source(), r, "handshake", null, false, 0, 0);
        answer.append(h.get().body());
        return new Result(Outcome.ACCEPTED, 0, 0, null);
    }

    private int[] keep(Ingress.Queue q, InboundSource s, CallbackRequest r, List<StatusItem> items) {
        Handle h = q.handle();
        int fresh = 0;
        int repeated = 0;
        for (StatusItem item : items) {
            boolean seen = h.createQuery("SELECT 1 FROM message_statuses WHERE source_id = :s AND event_key = :k")
                    .bind("s", s.id()).bind("k", item.eventKey()).mapTo(Integer.class).findOne().isPresent();
            if (seen) {
                repeated++;
                continue;
            }
            String emailId = null;
            if (item.smtpMessageId() != null) emailId = emails.byMessageId(q, s.projectId(), item.smtpMessageId()).orElse(null);
            ObjectNode data = data(s, item, emailId);
            String eventId = events.publish(q, s.projectId(), "message." + item.status(), data);
            h.createUpdate("INSERT INTO message_statuses (id, project_id, source_id, provider, channel, status, provider_status, provider_message_id, "
                            + "provider_event_id, recipient, reason, bounce_type, occurred_at, email_id, event_id, event_key, created_at) VALUES "
                            + "(:id, :p, :s, :pr, :ch, :st, :pst, :pmid, :peid, :rc, :rs, :bt, :oc, :em, :ev, :k, :now)")
                    .bind("id", Ids.uuid7(q.now())).bind("p", s.projectId()).bind("s", s.id()).bind("pr", s.provider())
                    .bind("ch", item.channel()).bind("st", item.status()).bind("pst", item.providerStatus())
                    .bind("pmid", item.providerMessageId()).bind("peid", item.providerEventId()).bind("rc", item.recipient())
                    .bind("rs", item.reason()).bind("bt", item.bounceType())
                    .bind("oc", item.occurredAt() == null ? null : item.occurredAt().toEpochMilli())
                    .bind("em", emailId).bind("ev", eventId).bind("k", item.eventKey()).bind("now", q.now()).execute();
            fresh++;
        }
        insertRequest(h, s, r, "accepted", null, true, fresh, repeated, q.now());
        return new int[] {fresh, repeated};
    }

    /** The event's data: the normalised status, null where the provider says nothing. */
    static ObjectNode data(InboundSource s, StatusItem item, String emailId) {
        ObjectNode n = Json.object();
        n.put("provider", s.provider());
        n.put("source_id", s.id());
        n.put("channel", item.channel());
        n.put("status", item.status());
        n.put("provider_status", item.providerStatus());
        n.put("provider_message_id", item.providerMessageId());
        n.put("provider_event_id", item.providerEventId());
        n.put("recipient", item.recipient());
        n.put("reason", item.reason());
        n.put("bounce_type", item.bounceType());
        n.put("occurred_at", item.occurredAt() == null ? null : item.occurredAt().toString());
        n.put("email_id", emailId);
        return n;
    }

    private void reject(InboundSource s, CallbackRequest r, String outcome, String reason) {
        metrics.inboundCallback(s.provider(), "rejected");
        log.info("{} callback to inbound source {} {}: {} (from {})", s.provider(), s.id(), outcome, reason, r.remoteAddress());
        record(s, r, outcome, reason, false, 0, 0);
    }

    private void record(InboundSource s, CallbackRequest r, String outcome, String reason, boolean withBody, int statuses, int duplicates) {
        long now = clock.millis();
        db.writer().execute(h -> {
            insertRequest(h, s, r, outcome, reason, withBody, statuses, duplicates, now);
            return null;
        });
    }

    private static void insertRequest(Handle h, InboundSource s, CallbackRequest r, String outcome, String reason, boolean withBody,
                                      int statuses, int duplicates, long now) {
        h.createUpdate("INSERT INTO inbound_requests (id, source_id, received_at, outcome, reason, remote_address, content_type, body, statuses, "
                        + "duplicates) VALUES (:id, :s, :now, :o, :r, :a, :ct, :b, :n, :d)")
                .bind("id", Ids.uuid7(now)).bind("s", s.id()).bind("now", now).bind("o", outcome).bind("r", reason)
                .bind("a", r.remoteAddress()).bind("ct", r.header("content-type")).bind("b", withBody ? r.body() : null)
                .bind("n", statuses).bind("d", duplicates).execute();
    }

    /** A page of a source's callback records, newest first; {@code cursor} is the last id of the previous page. */
    public ObjectNode requests(String projectId, String sourceId, String cursor, int limit) {
        sources.get(projectId, sourceId);
        if (cursor != null && !Ids.isUuid(cursor)) throw Problem.invalid("cursor", "'cursor' is not a cursor from a previous page");
        List<ObjectNode> rows = db.read(h -> {
            Query q = h.createQuery("SELECT id, received_at, outcome, reason, remote_address, content_type, body, statuses, duplicates "
                    + "FROM inbound_requests WHERE source_id = :s" + (cursor == null ? "" : " AND id < :c") + " ORDER BY id DESC LIMIT :lim")
                    .bind("s", sourceId).bind("lim", limit + 1);
            if (cursor != null) q.bind("c", cursor);
            return q.map((rs, ctx) -> {
                ObjectNode n = Json.object();
                n.put("id", rs.getString("id"));
                n.put("received_at", Instant.ofEpochMilli(rs.getLong("received_at")).toString());
                n.put("outcome", rs.getString("outcome"));
                n.put("verified", !"rejected".equals(rs.getString("outcome")));
                n.put("reason", rs.getString("reason"));
                n.put("remote_address", rs.getString("remote_address"));
                n.put("content_type", rs.getString("content_type"));
                byte[] body = rs.getBytes("body");
                n.put("body", body == null ? null : new String(body, java.nio.charset.StandardCharsets.UTF_8));
                n.put("statuses", rs.getInt("statuses"));
                n.put("duplicates", rs.getInt("duplicates"));
                return n;
            }).list();
        });
        return Json.page(rows, limit);
    }

    /** Filters for {@link #statuses}; null means any. */
    public record StatusFilter(String providerMessageId, String recipient, String status, String cursor, int limit) {}

    /** Normalised statuses of a project, newest first. */
    public ObjectNode statuses(String projectId, StatusFilter f) {
        if (f.status() != null && !StatusItem.STATUSES.contains(f.status())) {
            throw Problem.invalid("status", "'status' must be one of " + String.join(", ", StatusItem.STATUSES.stream().sorted().toList()));
        }
        long cursorAt = 0;
        String cursorId = null;
        if (f.cursor() != null) {
            int tilde = f.cursor().indexOf('~');
            try {
                cursorAt = Long.parseLong(f.cursor().substring(0, Math.max(tilde, 0)));
                cursorId = f.cursor().substring(tilde + 1);
            } catch (NumberFormatException e) {
                cursorId = null;
            }
            if (tilde < 0 || !Ids.isUuid(cursorId)) throw Problem.invalid("cursor", "'cursor' is not a cursor from a previous page");
        }
        long at = cursorAt;
        String after = cursorId;
        // Newest first by when it happened (occurred_at, or arrival when the provider gives no time), then by arrival.
        String sortAt = "COALESCE(occurred_at, created_at)";
        List<Object[]> rows = db.read(h -> {
            StringBuilder sql = new StringBuilder("SELECT *, " + sortAt + " AS sort_at FROM message_statuses WHERE project_id = :p");
            if (f.providerMessageId() != null) sql.append(" AND provider_message_id = :m");
            if (f.recipient() != null) sql.append(" AND recipient = :r");
            if (f.status() != null) sql.append(" AND status = :st");
            if (after != null) sql.append(" AND (" + sortAt + " < :ca OR (" + sortAt + " = :ca AND id < :ci))");
            sql.append(" ORDER BY " + sortAt + " DESC, id DESC LIMIT :lim");
            Query q = h.createQuery(sql.toString()).bind("p", projectId).bind("lim", f.limit() + 1);
            if (f.providerMessageId() != null) q.bind("m", f.providerMessageId());
            if (f.recipient() != null) q.bind("r", f.recipient());
            if (f.status() != null) q.bind("st", f.status());
            if (after != null) q.bind("ca", at).bind("ci", after);
            return q.map((rs, ctx) -> new Object[] {statusView(rs), rs.getLong("sort_at")}).list();
        });
        ObjectNode page = Json.object();
        ArrayNode data = page.putArray("data");
        for (int i = 0; i < Math.min(rows.size(), f.limit()); i++) data.add((ObjectNode) rows.get(i)[0]);
        Object[] last = rows.size() > f.limit() ? rows.get(f.limit() - 1) : null;
        page.put("next_cursor", last == null ? null : last[1] + "~" + ((ObjectNode) last[0]).get("id").asString());
        return page;
    }

    /** The statuses providers reported about an email Herald sent, in the order they happened (by occurred_at, then arrival). */
    public ArrayNode statusesOfEmail(String projectId, String emailId) {
        ArrayNode out = Json.array();
        if (!Ids.isUuid(emailId)) return out;
        db.read(h -> h.createQuery("SELECT * FROM message_statuses WHERE project_id = :p AND email_id = :e "
                        + "ORDER BY CASE WHEN occurred_at IS NULL THEN 1 ELSE 0 END, occurred_at, id")
                .bind("p", projectId).bind("e", emailId).map((rs, ctx) -> statusView(rs)).list()).forEach(out::add);
        return out;
    }

    private static ObjectNode statusView(java.sql.ResultSet rs) throws java.sql.SQLException {
        ObjectNode n = Json.object();
        n.put("id", rs.getString("id"));
        n.put("event_id", rs.getString("event_id"));
        n.put("provider", rs.getString("provider"));
        n.put("source_id", rs.getString("source_id"));
        n.put("channel", rs.getString("channel"));
        n.put("status", rs.getString("status"));
        n.put("provider_status", rs.getString("provider_status"));
        n.put("provider_message_id", rs.getString("provider_message_id"));
        n.put("provider_event_id", rs.getString("provider_event_id"));
        n.put("recipient", rs.getString("recipient"));
        n.put("reason", rs.getString("reason"));
        n.put("bounce_type", rs.getString("bounce_type"));
        long at = rs.getLong("occurred_at");
        n.put("occurred_at", rs.wasNull() ? null : Instant.ofEpochMilli(at).toString());
        n.put("email_id", rs.getString("email_id"));
        n.put("received_at", Instant.ofEpochMilli(rs.getLong("created_at")).toString());
        return n;
    }

    /** Removes callback records older than the retention, in batches; returns how many. */
    public int prune() {
        long cutoff = clock.millis() - requestRetention.toMillis();
        String floor = Ids.uuid7Floor(cutoff);
        int total = 0;
        while (true) {
            int n = db.writer().execute(h -> {
                List<String> ids = new ArrayList<>(h.createQuery("SELECT id FROM inbound_requests WHERE id < :f LIMIT 500").bind("f", floor)
                        .mapTo(String.class).list());
                if (ids.isEmpty()) return 0;
                return h.createUpdate("DELETE FROM inbound_requests WHERE id IN (<ids>)").bindList("ids", ids).execute();
            });
            total += n;
            if (n < 500) return total;
        }
    }
}
