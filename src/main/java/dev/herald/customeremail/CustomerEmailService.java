package dev.herald.customeremail;

import dev.herald.connections.Connection;
import dev.herald.connections.ConnectionDetails;
import dev.herald.connections.ConnectionService;
import dev.herald.connections.Destination;
import dev.herald.connections.Slack;
import dev.herald.connections.SlackChannel;
import dev.herald.delivery.Channel;
import dev.herald.delivery.Ingress;
import dev.herald.delivery.Message;
import dev.herald.projects.ApiKeys;
import dev.herald.projects.Principal;
import dev.herald.store.Database;
import dev.herald.util.Hashes;
import dev.herald.util.Ids;
import dev.herald.util.Json;
import dev.herald.util.JsonBody;
import dev.herald.util.Problem;
import java.net.URI;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.jdbi.v3.core.Handle;
import tools.jackson.databind.node.ObjectNode;

/**
 * The customer-email review flow: a draft freezes the exact payload and its SHA-256; a person approves
 * or rejects it; only an approved artifact, verified against its hash, is sent, once, through the
 * delivery engine. The first draft of a session also queues a best-effort Slack notice.
 */
public final class CustomerEmailService {
    public static final Set<String> FIELDS = Set.of("connection", "customer", "email", "session_id", "issue_url");
    public static final String MESSAGE_KIND = "customer_email";

    private final Database db;
    private final ConnectionService connections;
    private final ApiKeys keys;
    private final Clock clock;
    private final Supplier<String> publicUrl;
    private final Ingress ingress;

    /** @param publicUrl HERALD_PUBLIC_URL, or (unset) the URL of the port the API bound, once it has: asked at each use */
    public CustomerEmailService(Database db, Ingress ingress, ConnectionService connections, ApiKeys keys, Clock clock, Supplier<String> publicUrl) {
        this.db = db;
        this.ingress = ingress;
        this.connections = connections;
        this.keys = keys;
        this.clock = clock;
        this.publicUrl = publicUrl;
    }

    /** Where a reviewer opens a draft. */
    public String reviewUrl(String id) {
        String base = publicUrl.get();
        return (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/review/drafts/" + id;
    }

    public CustomerEmail draft(Principal by, JsonBody in) {
        in.only(FIELDS);
        String connectionRef = in.string("connection", true);
        ConnectionService.Opened conn = connections.find(by.projectId(), connectionRef.startsWith("connections/") ? connectionRef.substring(12) : connectionRef)
                .orElseThrow(() -> Problem.invalid("connection", "no connection '" + connectionRef + "' in this project"));
        if (!(conn.details() instanceof ConnectionDetails.EmailWebhook target)) {
            throw Problem.invalid("connection", "connection '" + conn.connection().name() + "' is of type " + conn.connection().type()
                    + "; customer emails need an email_webhook connection");
        }
        JsonBody customer = required(in, "customer", Set.of("id", "name"));
        JsonBody email = required(in, "email", Set.of("subject", "body"));
        String customerId = text(customer, "id", 200, false);
        String customerName = text(customer, "name", 500, false);
        String subject = text(email, "subject", 998, true);
        String body = text(email, "body", 200_000, false);
        String sessionId = in.string("session_id", false);
        if (sessionId != null && (sessionId.isBlank() || sessionId.length() > 200 || sessionId.chars().anyMatch(Character::isISOControl))) {
            throw Problem.invalid("session_id", "'session_id' must be 1-200 printable characters");
        }
        String issueUrl = issueUrl(in.string("issue_url", false));

        ObjectNode payload = Json.object();
        ObjectNode c = payload.putObject("customer");
        c.put("id", customerId);
        c.put("name", customerName);
        ObjectNode e = payload.putObject("email");
        e.put("subject", subject);
        e.put("body", body);
        byte[] bytes = Json.bytes(payload);
        long now = clock.millis();
        String id = Ids.uuid7(now);
        String byName = keys.name(by.keyId());
        Connection cc = conn.connection();
        return ingress.write(q -> {
            String[] slack = slackNotice(q, by.projectId(), id, target, sessionId, customerName, customerId, subject, issueUrl, now);
            CustomerEmail d = new CustomerEmail(id, by.projectId(), cc.id(), cc.name(), sessionId, issueUrl, bytes, Hashes.sha256Hex(bytes),
                    CustomerEmail.PENDING, by.keyId(), byName, now, null, null, null, null, null, null, null, slack[0], slack[1], slack[2], now, null);
            CustomerEmailRepository.insert(q.handle(), d);
            return d;
        });
    }

    /** Queues the Slack notice for the first draft of a session: {status, delivery id, error}. Never fails the draft. */
    private String[] slackNotice(Ingress.Queue q, String projectId, String id, ConnectionDetails.EmailWebhook target, String sessionId, String customerName,
                                 String customerId, String subject, String issueUrl, long now) {
        if (target.slackConnectionName() == null) return new String[] {null, null, null};
        Handle h = q.handle();
        if (sessionId != null && CustomerEmailRepository.sessionHasDrafts(h, projectId, sessionId)) return new String[] {"not_first", null, null};
        Optional<ConnectionService.Opened> slack = connections.find(h, projectId, target.slackConnectionName());
        if (slack.isEmpty() || !(slack.get().details() instanceof ConnectionDetails.Slack)) {
            return new String[] {"failed", null, "no slack connection named '" + target.slackConnectionName() + "'"};
        }
        StringBuilder text = new StringBuilder("A customer email is waiting for review.\n")
                .append("*To:* ").append(Slack.escape(customerName)).append(" (").append(Slack.escape(customerId)).append(")\n")
                .append("*Subject:* ").append(Slack.escape(subject)).append('\n')
                .append("*Review:* <").append(reviewUrl(id)).append(">");
        if (issueUrl != null) text.append("\n*Issue:* <").append(issueUrl).append('>');
        Message m = new Message(Ids.uuid7(now), projectId, "slack_notice", "customer_email.review_requested",
                Slack.body(target.slackChannel(), text.toString()), now);
        List<String> ids = q.enqueue(m, SlackChannel.NAME, List.of(slack.get().connection().id()));
        return new String[] {"queued", ids.get(0), null};
    }

    /** Records what became of Slack notices; called by the Slack channel inside the writer's transaction. */
    public void onSlackResults(Handle h, List<Channel.Result> results) {
        long now = clock.millis();
        for (Channel.Result r : results) {
            if (r.outcome().success()) CustomerEmailRepository.markSlack(h, r.claim().id(), "sent", null, now);
            else if (r.deadLettered()) CustomerEmailRepository.markSlack(h, r.claim().id(), "failed", r.outcome().summary(), now);
        }
    }

    public CustomerEmail get(String projectId, String id) {
        if (!Ids.isUuid(id)) throw Problem.notFound("customer email");
        return db.read(h -> CustomerEmailRepository.find(h, projectId, id)).orElseThrow(() -> Problem.notFound("customer email"));
    }

    public List<CustomerEmail> list(String projectId, String status, String sessionId, String before, int limit) {
        if (status != null && !CustomerEmail.STATUSES.contains(status)) {
            throw Problem.invalid("status", "'status' must be one of " + String.join(", ", CustomerEmail.STATUSES));
        }
        if (before != null && !Ids.isUuid(before)) throw Problem.invalid("cursor", "'cursor' is not a cursor from a previous page");
        return db.read(h -> CustomerEmailRepository.list(h, projectId, status, sessionId, before, limit));
    }

    /**
     * Where the draft's connection sends now, as shown to a reviewer and bound by an approval; empty when
     * the connection was deleted (or is no longer an {@code email_webhook}).
     */
    public Optional<Destination> destination(CustomerEmail e) {
        return connections.find(e.projectId(), e.connectionId())
                .filter(o -> o.details() instanceof ConnectionDetails.EmailWebhook)
                .map(o -> connections.destination(o.connection().id(), (ConnectionDetails.EmailWebhook) o.details()));
    }

    /** The draft's approvals, oldest first: the current one (if approved) and any superseded because the destination changed. */
    public List<CustomerEmail.Approval> approvals(CustomerEmail e) {
        return db.read(h -> CustomerEmailRepository.approvals(h, e.id()));
    }

    /**
     * Approves the draft for the destination its connection has now, which the approval records (see
     * {@link Destination}). {@code seenDestinationSha256}, when given, is the destination the reviewer was
     * shown (the review page sends it): if the connection changed since, nothing is decided and the answer
     * is {@code 409 destination_changed}, so a reviewer never approves a destination they did not see.
     */
    public CustomerEmail approve(Principal by, String id, String seenDestinationSha256) {
        CustomerEmail e = get(by.projectId(), id);
        Destination d = destination(e).orElseThrow(() -> Problem.conflict("the connection '" + e.connectionName() + "' was deleted; this email cannot be sent"));
        if (seenDestinationSha256 != null && !seenDestinationSha256.equals(d.sha256())) {
            throw new Problem(Problem.Kind.CONFLICT, "destination_changed", "the connection '" + e.connectionName() + "' changed after you were shown it "
                    + "(destination SHA-256 " + seenDestinationSha256 + ", now " + d.sha256() + "); nothing was decided. Review where it sends now, then decide",
                    "destination_sha256");
        }
        String byName = keys.name(by.keyId());
        long now = clock.millis();
        CustomerEmail.Approval a = new CustomerEmail.Approval(Ids.uuid7(now), by.keyId(), byName, now, e.payloadSha256(), d.sha256(),
                Json.write(d.description()), null, null);
        boolean done = db.writer().execute(h -> CustomerEmailRepository.approve(h, by.projectId(), id, a));
        if (!done) throw Problem.conflict("this customer email is already " + get(by.projectId(), id).status() + "; a decision is final");
        return get(by.projectId(), id);
    }

    public CustomerEmail reject(Principal by, String id, String reason) {
        if (reason == null || reason.isBlank()) throw Problem.invalid("reason", "'reason' is required: say why the email is rejected");
        if (reason.length() > 2000) throw Problem.invalid("reason", "'reason' must be at most 2000 characters");
        get(by.projectId(), id);
        String byName = keys.name(by.keyId());
        boolean done = db.writer().execute(h -> CustomerEmailRepository.reject(h, by.projectId(), id, by.keyId(), byName, reason.strip(), clock.millis()));
        if (!done) throw Problem.conflict("this customer email is already " + get(by.projectId(), id).status() + "; a decision is final");
        return get(by.projectId(), id);
    }

    /** The outcome of a send request: the draft, and whether this call queued it (false: it already was). */
    public record Sent(CustomerEmail email, boolean queuedNow) {}

    /**
     * Queues the approved artifact for delivery, once. The destination must still be the one approved:
     * if the connection changed after the approval (its URL, headers, auth identity or signing secret),
     * the approval is superseded, the draft goes back to review, and the answer is
     * {@code 409 approval_superseded}; the channel checks the same again before every attempt.
     */
    public Sent send(String projectId, String id) {
        CustomerEmail before = get(projectId, id);
        if (before.deliveryId() == null && before.status().equals(CustomerEmail.APPROVED)) {
            Optional<Destination> now = destination(before);
            if (now.isEmpty()) throw Problem.conflict("the connection '" + before.connectionName() + "' was deleted");
            if (!now.get().sha256().equals(before.approvalDestinationSha256())) {
                String reason = changedReason(before.connectionName(), before.approvalDestinationSha256(), now.get().sha256());
                db.writer().execute(h -> CustomerEmailRepository.supersede(h, id, null, reason, clock.millis()));
                throw new Problem(Problem.Kind.CONFLICT, "approval_superseded", reason + ". Nothing was sent: the draft is back in review "
                        + "(status pending_review) and must be approved again for where it sends now", null);
            }
        }
        return ingress.write(q -> {
            Handle h = q.handle();
            CustomerEmail e = CustomerEmailRepository.find(h, projectId, id).orElseThrow(() -> Problem.notFound("customer email"));
            if (e.deliveryId() != null) return new Sent(e, false);
            if (!e.status().equals(CustomerEmail.APPROVED)) {
                throw Problem.conflict("this customer email is " + e.status() + "; only an approved draft can be sent");
            }
            if (!java.util.Objects.equals(e.approvalDestinationSha256(), before.approvalDestinationSha256())) {
                throw Problem.conflict("this customer email was approved again while it was being sent; send it again");
            }
            if (!Hashes.sha256Hex(e.payload()).equals(e.payloadSha256())) {
                throw new Problem(Problem.Kind.CONFLICT, "artifact_mismatch", "the stored payload no longer matches the SHA-256 recorded when it was drafted; "
                        + "it is not sent. Draft the email again.", null);
            }
            if (!connections.exists(h, e.connectionId())) throw Problem.conflict("the connection '" + e.connectionName() + "' was deleted");
            long now = q.now();
            Message m = new Message(Ids.uuid7(now), projectId, MESSAGE_KIND, "customer_email.approved", e.payload(), now);
            String deliveryId = q.enqueue(m, CustomerEmailChannel.NAME, List.of(e.connectionId())).get(0);
            CustomerEmailRepository.markQueued(h, id, m.id(), deliveryId, now);
            return new Sent(CustomerEmailRepository.find(h, projectId, id).orElseThrow(), true);
        });
    }

    /** Why an approval no longer holds. */
    static String changedReason(String connectionName, String approvedSha256, String nowSha256) {
        return approvedSha256 == null
                ? "the approval was given before approvals recorded their destination, so it does not say where connection '" + connectionName
                        + "' was to send"
                : "the connection '" + connectionName + "' changed after the approval (destination SHA-256 " + approvedSha256 + " approved, now "
                        + nowSha256 + ")";
    }

    private static JsonBody required(JsonBody in, String name, Set<String> fields) {
        JsonBody o = in.object(name, fields);
        if (o == null) throw Problem.invalid(name, "'" + name + "' is required: an object with " + String.join(" and ", fields.stream().sorted().toList()));
        return o;
    }

    private static String text(JsonBody in, String name, int max, boolean singleLine) {
        String v = in.string(name, true);
        String f = in.path(name);
        if (v.isBlank()) throw Problem.invalid(f, "'" + f + "' must not be empty");
        if (v.length() > max) throw Problem.invalid(f, "'" + f + "' must be at most " + max + " characters");
        if (singleLine && (v.contains("\r") || v.contains("\n"))) throw Problem.invalid(f, "'" + f + "' must be one line (no CR or LF)");
        if (v.chars().anyMatch(ch -> ch == 0)) throw Problem.invalid(f, "'" + f + "' contains a NUL character");
        return v;
    }

    /** A link for people: absolute http(s) only, so the review page never renders a javascript: or data: link. */
    private static String issueUrl(String v) {
        if (v == null) return null;
        try {
            URI u = new URI(v);
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(java.util.Locale.ROOT);
            if (v.length() > 2048 || !(scheme.equals("https") || scheme.equals("http")) || u.getHost() == null) {
                throw Problem.invalid("issue_url", "'issue_url' must be an absolute http or https URL of at most 2048 characters");
            }
            return v;
        } catch (java.net.URISyntaxException e) {
            throw Problem.invalid("issue_url", "'issue_url' is not a valid URL: " + e.getReason());
        }
    }
}
